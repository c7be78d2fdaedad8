#include "plain.hpp"

#include <algorithm>
#include <variant>

#include "crypto.hpp"
#include "prep.hpp"
#include "scram.hpp"

namespace xmpp::auth {
namespace {

// RFC 4616 asks servers to accept at least 255 octets per field; more than this is abuse.
constexpr std::size_t kMaxPlainMessage = 3 * 1024;

bool usable(const storage::ScramCredential& c) {
  return c.iterations > 0 && !c.salt.empty() && !c.storedKey.empty();
}

}  // namespace

Expected<PlainMessage, PlainError> parsePlain(std::string_view message) {
  if (message.size() > kMaxPlainMessage) return unexpected(PlainError::kMalformed);
  const std::size_t n1 = message.find('\0');
  if (n1 == std::string_view::npos) return unexpected(PlainError::kMalformed);
  const std::size_t n2 = message.find('\0', n1 + 1);
  if (n2 == std::string_view::npos) return unexpected(PlainError::kMalformed);
  if (message.find('\0', n2 + 1) != std::string_view::npos) {
    return unexpected(PlainError::kMalformed);
  }
  PlainMessage out{std::string(message.substr(0, n1)),
                   std::string(message.substr(n1 + 1, n2 - n1 - 1)),
                   std::string(message.substr(n2 + 1))};
  if (out.authcid.empty() || out.password.empty()) return unexpected(PlainError::kMalformed);
  return out;
}

bool verifyPassword(const storage::ScramCredential& credential, bool sha256,
                    std::string_view password) {
  auto prepared = saslprep(password, SaslprepMode::kQuery);
  if (!prepared || !usable(credential)) return false;
  const HashAlg a = sha256 ? HashAlg::kSha256 : HashAlg::kSha1;
  const std::string salted = pbkdf2(a, *prepared, credential.salt, credential.iterations);
  return constantTimeEqual(hashBytes(a, hmac(a, salted, "Client Key")), credential.storedKey);
}

Expected<std::monostate, PlainError> checkPassword(storage::AccountStore& store,
                                                   std::string_view username,
                                                   std::string_view password) {
  auto account = store.get(username);
  if (!account && account.error() != storage::StoreError::kNotFound) {
    return unexpected(PlainError::kTemporaryFailure);
  }
  bool ok = false;
  if (account && usable(account->sha256)) {
    ok = verifyPassword(account->sha256, true, password);
  } else if (account && usable(account->sha1)) {
    ok = verifyPassword(account->sha1, false, password);
  } else {
    // Same cost as a real check: unknown users must not answer faster.
    static const storage::ScramCredential kDummy{kDefaultIterations, std::string(kSaltSize, 'x'),
                                                 std::string(32, '\0'), std::string(32, '\0')};
    (void)verifyPassword(kDummy, true, password);
  }
  if (!ok) return unexpected(PlainError::kNotAuthorized);
  return std::monostate{};
}

}  // namespace xmpp::auth

#include "scram.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "crypto.hpp"

namespace xmpp::auth {
namespace {

// Far above any legitimate message (a maximal escaped username is ~3 KiB); keeps the sealed token
// small and bounds the work done on hostile input.
constexpr std::size_t kMaxScramMessage = 8 * 1024;

HashAlg alg(ScramMechanism m) {
  return m == ScramMechanism::kSha1 ? HashAlg::kSha1 : HashAlg::kSha256;
}

std::vector<std::string_view> splitCommas(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}

// saslname (RFC 5802 §7): ',' and '=' travel as "=2C" and "=3D"; any other '=' is malformed.
std::optional<std::string> decodeSaslname(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out.push_back(in[i]);
      continue;
    }
    const std::string_view esc = in.substr(i + 1, 2);
    if (esc == "2C") {
      out.push_back(',');
    } else if (esc == "3D") {
      out.push_back('=');
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

bool isPrintableNonce(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E && c != ','; });
}

// attr-val for extensions: ALPHA "=" value.
bool isExtension(std::string_view s) {
  return s.size() >= 2 && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) &&
         s[1] == '=';
}

bool hasAttr(std::string_view field, char attr) {
  return field.size() >= 2 && field[0] == attr && field[1] == '=';
}

struct ClientFinal {
  std::string channelBinding;  // decoded c=
  std::string nonce;
  std::string proof;  // decoded p=
  std::string withoutProof;
};

std::optional<ClientFinal> parseClientFinal(std::string_view message) {
  if (message.size() > kMaxScramMessage) return std::nullopt;
  const std::size_t proofAt = message.rfind(",p=");
  if (proofAt == std::string_view::npos) return std::nullopt;
  const std::vector<std::string_view> fields = splitCommas(message.substr(0, proofAt));
  if (fields.size() < 2 || !hasAttr(fields[0], 'c') || !hasAttr(fields[1], 'r')) {
    return std::nullopt;
  }
  for (std::size_t i = 2; i < fields.size(); ++i) {
    if (!isExtension(fields[i])) return std::nullopt;
  }
  ClientFinal out;
  auto cbind = base64Decode(fields[0].substr(2));
  auto proof = base64Decode(message.substr(proofAt + 3));
  if (!cbind || !proof) return std::nullopt;
  out.nonce = std::string(fields[1].substr(2));
  if (!isPrintableNonce(out.nonce)) return std::nullopt;
  out.channelBinding = std::move(*cbind);
  out.proof = std::move(*proof);
  out.withoutProof = std::string(message.substr(0, proofAt));
  return out;
}

std::string xorBytes(std::string_view a, std::string_view b) {
  std::string out(a.size(), '\0');
  for (std::size_t i = 0; i < a.size(); ++i) {
    out[i] = static_cast<char>(static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
  }
  return out;
}

const storage::ScramCredential& pick(const storage::Account& account, ScramMechanism m) {
  return m == ScramMechanism::kSha1 ? account.sha1 : account.sha256;
}

bool usable(const storage::ScramCredential& c) {
  return c.iterations > 0 && !c.salt.empty() && !c.storedKey.empty() && !c.serverKey.empty();
}

ScramFailure fail(ScramError e, std::string username = {}) { return {e, std::move(username)}; }

}  // namespace

std::optional<ScramMechanism> parseScramMechanism(std::string_view name) {
  if (name == "SCRAM-SHA-1") return ScramMechanism::kSha1;
  if (name == "SCRAM-SHA-256") return ScramMechanism::kSha256;
  return std::nullopt;
}

std::string_view mechanismName(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
}

std::string_view toString(ScramError error) {
  switch (error) {
    case ScramError::kMalformed:
      return "malformed";
    case ScramError::kChannelBindingUnsupported:
      return "channel-binding-unsupported";
    case ScramError::kInvalidAuthzid:
      return "invalid-authzid";
    case ScramError::kNotAuthorized:
      return "not-authorized";
    case ScramError::kCredentialsChanged:
      return "credentials-changed";
    case ScramError::kBadToken:
      return "bad-token";
    case ScramError::kExpired:
      return "expired";
    case ScramError::kTemporaryFailure:
      return "temporary-failure";
  }
  return "unknown";
}

storage::ScramCredential makeScramCredential(ScramMechanism mechanism,
                                             std::string_view preparedPassword,
                                             std::string_view salt, int iterations) {
  const HashAlg a = alg(mechanism);
  storage::ScramCredential c;
  c.iterations = std::max(iterations, kMinIterations);
  c.salt = std::string(salt);
  const std::string salted = pbkdf2(a, preparedPassword, salt, c.iterations);
  c.storedKey = hashBytes(a, hmac(a, salted, "Client Key"));
  c.serverKey = hmac(a, salted, "Server Key");
  return c;
}

std::optional<storage::ScramCredential> deriveScramCredential(ScramMechanism mechanism,
                                                              std::string_view password,
                                                              Random& random, int iterations) {
  auto prepared = saslprep(password, SaslprepMode::kStored);
  if (!prepared) return std::nullopt;
  return makeScramCredential(mechanism, *prepared, random.bytes(kSaltSize), iterations);
}

Expected<ClientFirst, ScramError> parseClientFirst(std::string_view message) {
  if (message.size() > kMaxScramMessage) return unexpected(ScramError::kMalformed);
  ClientFirst out;
  const std::size_t c1 = message.find(',');
  if (c1 == std::string_view::npos) return unexpected(ScramError::kMalformed);
  const std::string_view cbind = message.substr(0, c1);
  if (cbind == "n" || cbind == "y") {
    out.cbindFlag = cbind[0];
  } else if (hasAttr(cbind, 'p')) {
    return unexpected(ScramError::kChannelBindingUnsupported);
  } else {
    return unexpected(ScramError::kMalformed);
  }
  const std::size_t c2 = message.find(',', c1 + 1);
  if (c2 == std::string_view::npos) return unexpected(ScramError::kMalformed);
  const std::string_view authz = message.substr(c1 + 1, c2 - c1 - 1);
  if (!authz.empty()) {
    if (!hasAttr(authz, 'a') || authz.size() == 2) return unexpected(ScramError::kMalformed);
    auto decoded = decodeSaslname(authz.substr(2));
    if (!decoded) return unexpected(ScramError::kMalformed);
    out.authzid = std::move(*decoded);
  }
  out.gs2Header = std::string(message.substr(0, c2 + 1));
  out.bare = std::string(message.substr(c2 + 1));

  const std::vector<std::string_view> fields = splitCommas(out.bare);
  // "m=" announces a mandatory extension; none is defined, so RFC 5802 says fail.
  if (fields.size() < 2 || !hasAttr(fields[0], 'n') || !hasAttr(fields[1], 'r')) {
    return unexpected(ScramError::kMalformed);
  }
  auto user = decodeSaslname(fields[0].substr(2));
  if (!user || user->empty()) return unexpected(ScramError::kMalformed);
  out.username = std::move(*user);
  out.clientNonce = std::string(fields[1].substr(2));
  if (!isPrintableNonce(out.clientNonce)) return unexpected(ScramError::kMalformed);
  for (std::size_t i = 2; i < fields.size(); ++i) {
    if (!isExtension(fields[i])) return unexpected(ScramError::kMalformed);
  }
  return out;
}

ScramServer::ScramServer(std::string_view tokenSecret, Random& random, ScramServerOptions options)
    : sealer_(tokenSecret),
      random_(random),
      options_(std::move(options)),
      fakeSaltKey_(sealer_.deriveKey("xmpp-auth/v1/scram-fake-salt")) {
  options_.fakeIterations = std::max(options_.fakeIterations, kMinIterations);
}

std::string ScramServer::fakeSalt(ScramMechanism mechanism, std::string_view username) const {
  std::string input(1, static_cast<char>(mechanism));
  input.append(username);
  return hmac(HashAlg::kSha256, fakeSaltKey_, input).substr(0, kSaltSize);
}

Expected<ScramChallenge, ScramFailure> ScramServer::start(ScramMechanism mechanism,
                                                          std::string_view clientFirstMessage,
                                                          storage::AccountStore& lookup,
                                                          const Clock& clock) const {
  auto cf = parseClientFirst(clientFirstMessage);
  if (!cf) return unexpected(fail(cf.error()));
  auto user = prepareUsername(cf->username);
  if (!user) return unexpected(fail(ScramError::kNotAuthorized));
  if (!authzidAcceptable(cf->authzid, *user, options_.domains)) {
    return unexpected(fail(ScramError::kInvalidAuthzid, *user));
  }

  bool known = false;
  std::string salt;
  int iterations = options_.fakeIterations;
  std::string storedKeyHash;
  auto account = lookup.get(*user);
  if (account) {
    const storage::ScramCredential& cred = pick(*account, mechanism);
    if (usable(cred)) {
      known = true;
      salt = cred.salt;
      iterations = cred.iterations;
      storedKeyHash = hashBytes(HashAlg::kSha256, cred.storedKey);
    }
  } else if (account.error() != storage::StoreError::kNotFound) {
    return unexpected(fail(ScramError::kTemporaryFailure, *user));
  }
  // An account without a verifier for this mechanism looks exactly like a missing one.
  if (!known) salt = fakeSalt(mechanism, *user);

  const std::string nonce = cf->clientNonce + random_.scramNonce();
  std::string serverFirst =
      "r=" + nonce + ",s=" + base64Encode(salt) + ",i=" + std::to_string(iterations);
  TokenWriter w;
  w.u8(static_cast<std::uint8_t>(TokenKind::kScramFinal))
      .u8(static_cast<std::uint8_t>(mechanism))
      .i64(toEpochMillis(clock.now() + options_.tokenLifetime))
      .u8(known ? 1 : 0)
      .str(*user)
      .str(cf->gs2Header)
      .str(cf->bare)
      .str(serverFirst)
      .str(nonce)
      .str(storedKeyHash);
  return ScramChallenge{std::move(serverFirst), sealer_.seal(w.data(), random_), *user};
}

Expected<ScramSuccess, ScramFailure> ScramServer::finish(std::string_view token,
                                                         std::string_view clientFinalMessage,
                                                         storage::AccountStore& lookup,
                                                         const Clock& clock) const {
  auto payload = sealer_.open(token);
  if (!payload) return unexpected(fail(ScramError::kBadToken));
  TokenReader r(*payload);
  auto kind = r.u8();
  auto mech = r.u8();
  auto expiry = r.i64();
  auto known = r.u8();
  auto user = r.str();
  auto gs2Header = r.str();
  auto bare = r.str();
  auto serverFirst = r.str();
  auto nonce = r.str();
  auto storedKeyHash = r.str();
  if (!kind || !mech || !expiry || !known || !user || !gs2Header || !bare || !serverFirst ||
      !nonce || !storedKeyHash || !r.done() ||
      *kind != static_cast<std::uint8_t>(TokenKind::kScramFinal) ||
      (*mech != static_cast<std::uint8_t>(ScramMechanism::kSha1) &&
       *mech != static_cast<std::uint8_t>(ScramMechanism::kSha256))) {
    return unexpected(fail(ScramError::kBadToken));
  }
  const auto mechanism = static_cast<ScramMechanism>(*mech);
  if (toEpochMillis(clock.now()) > *expiry) return unexpected(fail(ScramError::kExpired, *user));

  auto cf = parseClientFinal(clientFinalMessage);
  if (!cf) return unexpected(fail(ScramError::kMalformed, *user));
  // c= repeats the gs2 header (no channel-binding data for 'n'/'y'): a mismatch means the header
  // was altered in transit or the client is confused about channel binding.
  if (cf->channelBinding != *gs2Header || cf->nonce != *nonce || *known != 1) {
    return unexpected(fail(ScramError::kNotAuthorized, *user));
  }

  auto account = lookup.get(*user);
  if (!account) {
    return unexpected(fail(account.error() == storage::StoreError::kNotFound
                               ? ScramError::kCredentialsChanged
                               : ScramError::kTemporaryFailure,
                           *user));
  }
  const storage::ScramCredential& cred = pick(*account, mechanism);
  if (!usable(cred) ||
      !constantTimeEqual(hashBytes(HashAlg::kSha256, cred.storedKey), *storedKeyHash)) {
    return unexpected(fail(ScramError::kCredentialsChanged, *user));
  }

  const HashAlg a = alg(mechanism);
  if (cf->proof.size() != digestSize(a) || cred.storedKey.size() != digestSize(a)) {
    return unexpected(fail(ScramError::kNotAuthorized, *user));
  }
  const std::string authMessage = *bare + "," + *serverFirst + "," + cf->withoutProof;
  const std::string clientKey = xorBytes(cf->proof, hmac(a, cred.storedKey, authMessage));
  if (!constantTimeEqual(hashBytes(a, clientKey), cred.storedKey)) {
    return unexpected(fail(ScramError::kNotAuthorized, *user));
  }
  return ScramSuccess{"v=" + base64Encode(hmac(a, cred.serverKey, authMessage)), *user};
}

}  // namespace xmpp::auth

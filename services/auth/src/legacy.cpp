#include "legacy.hpp"

#include "crypto.hpp"

namespace xmpp::auth {

LegacyFields legacyFields(bool plaintextStored, bool passwordAllowed) {
  LegacyFields f;
  f.password = passwordAllowed;
  f.digest = plaintextStored;
  return f;
}

std::string legacyDigest(std::string_view streamId, std::string_view password) {
  std::string input(streamId);
  input.append(password);
  return hexEncode(hashBytes(HashAlg::kSha1, input));
}

bool verifyLegacyDigest(std::string_view streamId, std::string_view plaintext,
                        std::string_view clientDigest) {
  std::string lowered(clientDigest);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return constantTimeEqual(legacyDigest(streamId, plaintext), lowered);
}

}  // namespace xmpp::auth

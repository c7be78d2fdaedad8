#pragma once
// SASL PLAIN (RFC 4616) and the password check it shares with XEP-0078 <password/>.
//
// The check runs one PBKDF2 over the stored SCRAM-SHA-256 salt and iteration count (~1.2 ms at
// 4096 iterations): callers run it on a bounded worker pool, never on an I/O thread.

#include <string>
#include <string_view>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/account_store.hpp"

namespace xmpp::auth {

enum class PlainError {
  kMalformed,         // not authzid NUL authcid NUL passwd, or an empty authcid/passwd
  kNotAuthorized,     // unknown user or wrong password (deliberately indistinguishable)
  kTemporaryFailure,  // the account store failed (any error but kNotFound)
};

/// The three fields of a PLAIN message, unprepared. authzid may be empty.
struct PlainMessage {
  std::string authzid;
  std::string authcid;
  std::string password;
};

Expected<PlainMessage, PlainError> parsePlain(std::string_view message);

/// Whether `password` (SASLprep'ed here, query mode) matches `credential`: PBKDF2 with the stored
/// salt and iterations, then StoredKey compared in constant time.
bool verifyPassword(const storage::ScramCredential& credential, bool sha256,
                    std::string_view password);

/// Looks the account up and checks the password against its SCRAM-SHA-256 verifier (the SHA-1
/// one if the account has no SHA-256 verifier). `username` must already be prepared. For an
/// unknown user the same PBKDF2 work is done against a dummy salt, so response time does not
/// reveal whether the account exists.
Expected<std::monostate, PlainError> checkPassword(storage::AccountStore& store,
                                                   std::string_view username,
                                                   std::string_view password);

}  // namespace xmpp::auth

#pragma once
// SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677), server side, without channel binding.
//
// The server is stateless: start() answers the client-first message with the server-first
// message and a sealed continuation token (token.hpp) holding everything finish() needs
// (mechanism, username, gs2 header, client-first-bare, server-first, a hash of the StoredKey the
// challenge was built from, and an expiry). Any replica holding the same secret can run
// finish(). finish() re-reads the credential, so a password changed or an account deleted
// mid-exchange makes the exchange fail.
//
// For an unknown user start() still answers, with a salt derived from the secret and the username
// (stable across calls and replicas), so the answer does not reveal whether the account exists;
// finish() then fails as for a wrong password.
//
// Limits: a token is not single-use. Replaying a captured (token, client-final) pair within the
// token lifetime authenticates again; both travel only inside TLS between client, gateway and
// auth, and the lifetime is short (60 s by default).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prep.hpp"
#include "random.hpp"
#include "token.hpp"
#include "xmpp/common/clock.hpp"
#include "xmpp/common/expected.hpp"
#include "xmpp/storage/account_store.hpp"

namespace xmpp::auth {

inline constexpr int kDefaultIterations = 4096;
inline constexpr int kMinIterations = 4096;  // RFC 7677 §4: at least 4096
inline constexpr std::size_t kSaltSize = 16;

enum class ScramMechanism : std::uint8_t { kSha1 = 1, kSha256 = 2 };

/// "SCRAM-SHA-1" / "SCRAM-SHA-256"; nullopt for anything else (including the -PLUS variants,
/// which this server does not offer).
std::optional<ScramMechanism> parseScramMechanism(std::string_view name);
std::string_view mechanismName(ScramMechanism mechanism);

/// A verifier from an already SASLprep'ed password and a given salt. Iterations below
/// kMinIterations are raised to it. Deterministic: this is what the RFC test vectors exercise.
storage::ScramCredential makeScramCredential(ScramMechanism mechanism,
                                             std::string_view preparedPassword,
                                             std::string_view salt, int iterations);

/// SASLprep's `password` (kStored mode: unassigned code points are refused) and derives a
/// verifier with a fresh kSaltSize-byte salt. nullopt when SASLprep refuses the password.
std::optional<storage::ScramCredential> deriveScramCredential(ScramMechanism mechanism,
                                                              std::string_view password,
                                                              Random& random,
                                                              int iterations = kDefaultIterations);

enum class ScramError {
  kMalformed,                  // message does not follow the RFC 5802 grammar
  kChannelBindingUnsupported,  // gs2 flag 'p' (channel binding is not offered)
  kInvalidAuthzid,             // authzid other than the authenticating user
  kNotAuthorized,              // wrong proof, unknown user, nonce or channel-binding mismatch
  kCredentialsChanged,         // the password changed (or the account vanished) mid-exchange
  kBadToken,                   // continuation not sealed by a replica with our secret, or altered
  kExpired,                    // continuation older than its lifetime
  kTemporaryFailure,           // the account store failed (kUnavailable or kInternal)
};

std::string_view toString(ScramError error);

struct ScramFailure {
  ScramError error;
  std::string username;  // prepared username when it was known at that point, else empty
};

/// A parsed client-first message (RFC 5802 §7).
struct ClientFirst {
  std::string gs2Header;    // e.g. "n,," or "y,a=juliet," exactly as received
  char cbindFlag = 'n';     // 'n' or 'y'
  std::string authzid;      // decoded ("=2C"/"=3D" unescaped), empty when absent
  std::string username;     // decoded, not yet prepared
  std::string clientNonce;  // printable, no ','
  std::string bare;         // client-first-message-bare
};

/// Messages over 8 KiB are kMalformed.
Expected<ClientFirst, ScramError> parseClientFirst(std::string_view message);

struct ScramServerOptions {
  std::chrono::seconds tokenLifetime{60};
  int fakeIterations = kDefaultIterations;  // iteration count announced for unknown users
  std::vector<std::string> domains;         // prepared domains accepted in a JID authzid
};

struct ScramChallenge {
  std::string serverFirst;  // "r=...,s=...,i=..."
  std::string token;        // opaque continuation for finish()
  std::string username;     // prepared username (for throttling)
};

struct ScramSuccess {
  std::string serverFinal;  // "v=..." (sent as the additional data of <success/>)
  std::string username;     // prepared username
};

class ScramServer {
 public:
  /// `tokenSecret`: the 32-byte secret shared by all auth replicas (std::invalid_argument
  /// otherwise). `random` must outlive the server and be thread-safe.
  ScramServer(std::string_view tokenSecret, Random& random, ScramServerOptions options = {});

  Expected<ScramChallenge, ScramFailure> start(ScramMechanism mechanism,
                                               std::string_view clientFirstMessage,
                                               storage::AccountStore& lookup,
                                               const Clock& clock) const;

  Expected<ScramSuccess, ScramFailure> finish(std::string_view token,
                                              std::string_view clientFinalMessage,
                                              storage::AccountStore& lookup,
                                              const Clock& clock) const;

 private:
  std::string fakeSalt(ScramMechanism mechanism, std::string_view username) const;

  TokenSealer sealer_;
  Random& random_;
  ScramServerOptions options_;
  std::string fakeSaltKey_;
};

}  // namespace xmpp::auth

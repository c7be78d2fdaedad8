#pragma once
// The auth service's logic, free of gRPC and SQL: SASL (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN),
// XEP-0078 legacy auth, XEP-0077 account management, and brute-force throttling on every login
// path. AuthGrpcService translates proto <-> these calls; main.cpp picks the AccountStore.
//
// Stateless between calls: a multi-step exchange continues through an opaque, sealed token
// (token.hpp) that any replica configured with the same `tokenSecret` accepts. Throttling state
// is per replica (throttle.hpp).
//
// Every method may block on the AccountStore, and PLAIN / XEP-0078 <password/> also spend one
// PBKDF2 (~1.2 ms): run calls on a bounded worker pool, never on a gRPC reactor or I/O thread.
// Thread-safe: one instance serves all requests.
//
// Nothing here logs, and no result carries a password or a verifier.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "legacy.hpp"
#include "random.hpp"
#include "scram.hpp"
#include "throttle.hpp"
#include "token.hpp"
#include "xmpp/common/clock.hpp"
#include "xmpp/common/expected.hpp"
#include "xmpp/storage/account_store.hpp"

namespace xmpp::auth {

/// RFC 6120 §6.5 SASL failure conditions, as element names.
namespace condition {
inline constexpr std::string_view kAborted = "aborted";
inline constexpr std::string_view kAccountDisabled = "account-disabled";
inline constexpr std::string_view kEncryptionRequired = "encryption-required";
inline constexpr std::string_view kInvalidAuthzid = "invalid-authzid";
inline constexpr std::string_view kInvalidMechanism = "invalid-mechanism";
inline constexpr std::string_view kMalformedRequest = "malformed-request";
inline constexpr std::string_view kMechanismTooWeak = "mechanism-too-weak";
inline constexpr std::string_view kNotAuthorized = "not-authorized";
inline constexpr std::string_view kTemporaryAuthFailure = "temporary-auth-failure";
}  // namespace condition

struct AuthConfig {
  /// 32 random bytes shared by every auth replica; seals continuation tokens and derives the
  /// fake salts of unknown users. Rotating it invalidates exchanges in flight (clients retry).
  std::string tokenSecret;
  /// PBKDF2 iterations for new verifiers (registration, password change); at least 4096.
  int scramIterations = kDefaultIterations;
  /// How long a client has to answer a challenge.
  std::chrono::seconds tokenLifetime{60};
  /// Offer and accept PLAIN (and XEP-0078 <password/>) on streams without TLS. Off by default.
  bool allowPlainWithoutTls = false;
  /// Keep a plaintext copy of new passwords so XEP-0078 <digest/> works. Off by default.
  bool storePlaintext = false;
  /// Prepared domains accepted as the domain of a JID-form authzid (any when empty).
  std::vector<std::string> domains;
  ThrottleConfig throttle;
};

/// What the gateway knows about the client connection.
struct SessionInfo {
  std::string sourceAddress;  // client IP without port ("" when unknown)
  bool tls = false;           // the stream is encrypted
};

enum class AuthOutcome { kChallenge, kSuccess, kFailure };

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kFailure;
  /// kChallenge: the challenge bytes; kSuccess: additional data ("v=..." for SCRAM, empty for
  /// PLAIN and XEP-0078). Raw bytes: the gateway base64-encodes them for the XML element.
  std::string data;
  /// kChallenge only: opaque bytes to pass back to saslContinue() with the client's response.
  std::string continuation;
  /// kSuccess only: the prepared localpart the client authenticated as.
  std::string username;
  /// kFailure only: one of the `condition::` names.
  std::string condition;
  /// Set with temporary-auth-failure caused by throttling: when to try again.
  std::optional<std::chrono::seconds> retryAfter;
};

/// XEP-0078 credential: exactly one of <password/> and <digest/>.
struct LegacyCredential {
  enum class Kind { kPassword, kDigest };
  Kind kind = Kind::kPassword;
  std::string value;  // the password, or the hex digest
};

enum class AccountError {
  kInvalidUsername,  // not a valid JID localpart (XEP-0077: <jid-malformed/> / <not-acceptable/>)
  kInvalidPassword,  // empty, or refused by SASLprep (XEP-0077: <not-acceptable/>)
  kConflict,         // username taken (<conflict/>)
  kNotFound,         // no such account (<item-not-found/>)
  kUnavailable,      // store unavailable, worth retrying (<internal-server-error/> / wait)
  kInternal,         // store bug or schema mismatch (<internal-server-error/>)
};

std::string_view toString(AccountError error);

using AccountStatus = xmpp::Expected<std::monostate, AccountError>;

class AuthLogic {
 public:
  /// Throws std::invalid_argument when the configuration is unusable (secret not 32 bytes,
  /// scramIterations below 4096, non-positive token lifetime). Uses OpenSslRandom.
  AuthLogic(storage::AccountStore& store, const Clock& clock, AuthConfig config);
  /// Same, with injected randomness (tests). `random` must outlive this object.
  AuthLogic(storage::AccountStore& store, const Clock& clock, AuthConfig config, Random& random);

  AuthLogic(const AuthLogic&) = delete;
  AuthLogic& operator=(const AuthLogic&) = delete;

  // --- SASL ------------------------------------------------------------------------------

  /// Mechanisms for <stream:features/>, strongest first.
  std::vector<std::string> mechanisms(bool tls) const;

  /// <auth mechanism=...>. `initialResponse` is the decoded payload; empty means "no initial
  /// response" (the element was empty or '='): the answer is then an empty challenge whose
  /// response saslContinue() treats as the initial response.
  AuthResult saslStart(std::string_view mechanism, std::string_view initialResponse,
                       const SessionInfo& session);

  /// <response/> to a challenge, with the continuation from the previous AuthResult.
  AuthResult saslContinue(std::string_view continuation, std::string_view response,
                          const SessionInfo& session);

  // --- XEP-0078 ------------------------------------------------------------------------------

  /// Fields for the answer to the jabber:iq:auth get.
  LegacyFields legacyFields(const SessionInfo& session) const;

  /// The jabber:iq:auth set. Failure conditions: not-authorized (401), malformed-request (406
  /// <not-acceptable/>: missing username/credential), encryption-required (<password/> without
  /// TLS), temporary-auth-failure (throttled or store down; 500 <resource-constraint/> wait).
  AuthResult legacyAuth(std::string_view username, const LegacyCredential& credential,
                        std::string_view streamId, const SessionInfo& session);

  // --- Accounts (XEP-0077, admin) ----------------------------------------------------------------
  // Callers authorize: changePassword/deleteAccount must only be reachable by the
  // authenticated owner or an administrator.

  /// Creates an account with SCRAM-SHA-1 and SCRAM-SHA-256 verifiers (and a plaintext copy only
  /// when `storePlaintext`). Returns the prepared username.
  xmpp::Expected<std::string, AccountError> registerAccount(std::string_view username,
                                                            std::string_view password);
  AccountStatus changePassword(std::string_view username, std::string_view newPassword);
  AccountStatus deleteAccount(std::string_view username);
  xmpp::Expected<std::vector<std::string>, AccountError> listUsers(
      storage::ListOptions options = {});
  xmpp::Expected<bool, AccountError> userExists(std::string_view username);

 private:
  struct Credentials {
    storage::ScramCredential sha1;
    storage::ScramCredential sha256;
    std::optional<std::string> plaintext;
  };
  AuthLogic(storage::AccountStore& store, const Clock& clock, AuthConfig config, Random* random);
  xmpp::Expected<Credentials, AccountError> makeCredentials(std::string_view password);

  AuthResult startMechanism(std::string_view mechanism, std::string_view response,
                            const SessionInfo& session);
  AuthResult plain(std::string_view message, const SessionInfo& session);
  AuthResult scramStart(ScramMechanism mechanism, std::string_view message,
                        const SessionInfo& session);
  AuthResult scramFinish(std::string_view token, std::string_view message,
                         const SessionInfo& session);
  std::optional<AuthResult> throttled(std::string_view account, const SessionInfo& session);
  AuthResult loginFailed(std::string_view account, const SessionInfo& session,
                         std::string_view conditionName);
  AuthResult loginSucceeded(std::string username, std::string data = {});
  bool plainAllowed(const SessionInfo& session) const;

  storage::AccountStore& store_;
  const Clock& clock_;
  AuthConfig config_;
  OpenSslRandom ownRandom_;
  Random& random_;
  TokenSealer sealer_;
  ScramServer scram_;
  LoginThrottle throttle_;
};

}  // namespace xmpp::auth

#include "auth_logic.hpp"

#include <stdexcept>
#include <utility>

#include "legacy.hpp"
#include "plain.hpp"
#include "prep.hpp"

namespace xmpp::auth {
namespace {

constexpr std::string_view kPlain = "PLAIN";

AuthConfig validated(AuthConfig config) {
  if (config.tokenSecret.size() != kTokenSecretSize) {
    throw std::invalid_argument("AuthConfig.tokenSecret must be exactly 32 bytes");
  }
  if (config.scramIterations < kMinIterations) {
    throw std::invalid_argument("AuthConfig.scramIterations must be at least 4096");
  }
  if (config.tokenLifetime <= std::chrono::seconds{0}) {
    throw std::invalid_argument("AuthConfig.tokenLifetime must be positive");
  }
  return config;
}

AuthResult failure(std::string_view conditionName) {
  AuthResult r;
  r.outcome = AuthOutcome::kFailure;
  r.condition = std::string(conditionName);
  return r;
}

AuthResult challenge(std::string data, std::string continuation) {
  AuthResult r;
  r.outcome = AuthOutcome::kChallenge;
  r.data = std::move(data);
  r.continuation = std::move(continuation);
  return r;
}

std::string_view scramCondition(ScramError e) {
  switch (e) {
    case ScramError::kMalformed:
    case ScramError::kChannelBindingUnsupported:  // 'p' with a mechanism that is not -PLUS
      return condition::kMalformedRequest;
    case ScramError::kInvalidAuthzid:
      return condition::kInvalidAuthzid;
    case ScramError::kTemporaryFailure:
      return condition::kTemporaryAuthFailure;
    case ScramError::kNotAuthorized:
    case ScramError::kCredentialsChanged:
    case ScramError::kBadToken:
    case ScramError::kExpired:
      return condition::kNotAuthorized;
  }
  return condition::kNotAuthorized;
}

AccountError fromStore(storage::StoreError e) {
  switch (e) {
    case storage::StoreError::kNotFound:
      return AccountError::kNotFound;
    case storage::StoreError::kConflict:
      return AccountError::kConflict;
    case storage::StoreError::kUnavailable:
      return AccountError::kUnavailable;
    case storage::StoreError::kInternal:
      return AccountError::kInternal;
  }
  return AccountError::kInternal;
}

}  // namespace

std::string_view toString(AccountError error) {
  switch (error) {
    case AccountError::kInvalidUsername:
      return "invalid-username";
    case AccountError::kInvalidPassword:
      return "invalid-password";
    case AccountError::kConflict:
      return "conflict";
    case AccountError::kNotFound:
      return "not-found";
    case AccountError::kUnavailable:
      return "unavailable";
    case AccountError::kInternal:
      return "internal";
  }
  return "unknown";
}

AuthLogic::AuthLogic(storage::AccountStore& store, const Clock& clock, AuthConfig config)
    : AuthLogic(store, clock, std::move(config), nullptr) {}

AuthLogic::AuthLogic(storage::AccountStore& store, const Clock& clock, AuthConfig config,
                     Random& random)
    : AuthLogic(store, clock, std::move(config), &random) {}

AuthLogic::AuthLogic(storage::AccountStore& store, const Clock& clock, AuthConfig config,
                     Random* random)
    : store_(store),
      clock_(clock),
      config_(validated(std::move(config))),
      random_(random != nullptr ? *random : ownRandom_),
      sealer_(config_.tokenSecret),
      scram_(config_.tokenSecret, random_,
             ScramServerOptions{config_.tokenLifetime, config_.scramIterations, config_.domains}),
      throttle_(clock, config_.throttle) {}

// --- SASL ----------------------------------------------------------------------------------------

bool AuthLogic::plainAllowed(const SessionInfo& session) const {
  return session.tls || config_.allowPlainWithoutTls;
}

std::vector<std::string> AuthLogic::mechanisms(bool tls) const {
  std::vector<std::string> out{"SCRAM-SHA-256", "SCRAM-SHA-1"};
  if (tls || config_.allowPlainWithoutTls) out.emplace_back(kPlain);
  return out;
}

AuthResult AuthLogic::saslStart(std::string_view mechanism, std::string_view initialResponse,
                                const SessionInfo& session) {
  if (mechanism != kPlain && !parseScramMechanism(mechanism)) {
    return failure(condition::kInvalidMechanism);
  }
  if (mechanism == kPlain && !plainAllowed(session)) {
    return failure(condition::kEncryptionRequired);
  }
  if (initialResponse.empty()) {
    // RFC 6120 §6.4.2: no initial response yet; send an empty challenge and remember the
    // mechanism in the continuation.
    TokenWriter w;
    w.u8(static_cast<std::uint8_t>(TokenKind::kAwaitInitialResponse))
        .str(mechanism)
        .i64(toEpochMillis(clock_.now() + config_.tokenLifetime));
    return challenge({}, sealer_.seal(w.data(), random_));
  }
  return startMechanism(mechanism, initialResponse, session);
}

AuthResult AuthLogic::saslContinue(std::string_view continuation, std::string_view response,
                                   const SessionInfo& session) {
  auto payload = sealer_.open(continuation);
  if (!payload || payload->empty()) {
    throttle_.recordFailure({}, session.sourceAddress);
    return failure(condition::kNotAuthorized);
  }
  const auto kind = static_cast<std::uint8_t>((*payload)[0]);
  if (kind == static_cast<std::uint8_t>(TokenKind::kScramFinal)) {
    return scramFinish(continuation, response, session);
  }
  if (kind != static_cast<std::uint8_t>(TokenKind::kAwaitInitialResponse)) {
    return failure(condition::kNotAuthorized);
  }
  TokenReader r(*payload);
  (void)r.u8();
  auto mechanism = r.str();
  auto expiry = r.i64();
  if (!mechanism || !expiry || !r.done()) return failure(condition::kNotAuthorized);
  if (toEpochMillis(clock_.now()) > *expiry) return failure(condition::kNotAuthorized);
  if (response.empty()) return failure(condition::kMalformedRequest);
  // The continuation may arrive over another connection: re-check the TLS rule.
  if (*mechanism == kPlain && !plainAllowed(session)) {
    return failure(condition::kEncryptionRequired);
  }
  return startMechanism(*mechanism, response, session);
}

AuthResult AuthLogic::startMechanism(std::string_view mechanism, std::string_view response,
                                     const SessionInfo& session) {
  if (mechanism == kPlain) return plain(response, session);
  if (auto scram = parseScramMechanism(mechanism)) return scramStart(*scram, response, session);
  return failure(condition::kInvalidMechanism);
}

std::optional<AuthResult> AuthLogic::throttled(std::string_view account,
                                               const SessionInfo& session) {
  const ThrottleDecision d = throttle_.check(account, session.sourceAddress);
  if (d.allowed) return std::nullopt;
  AuthResult r = failure(condition::kTemporaryAuthFailure);
  r.retryAfter = d.retryAfter;
  return r;
}

AuthResult AuthLogic::loginFailed(std::string_view account, const SessionInfo& session,
                                  std::string_view conditionName) {
  throttle_.recordFailure(account, session.sourceAddress);
  return failure(conditionName);
}

AuthResult AuthLogic::loginSucceeded(std::string username, std::string data) {
  throttle_.recordSuccess(username);
  AuthResult r;
  r.outcome = AuthOutcome::kSuccess;
  r.username = std::move(username);
  r.data = std::move(data);
  return r;
}

AuthResult AuthLogic::plain(std::string_view message, const SessionInfo& session) {
  if (auto t = throttled({}, session)) return *t;
  auto parsed = parsePlain(message);
  if (!parsed) return loginFailed({}, session, condition::kMalformedRequest);
  auto user = prepareUsername(parsed->authcid);
  if (!user) return loginFailed({}, session, condition::kNotAuthorized);
  if (auto t = throttled(*user, session)) return *t;
  if (!authzidAcceptable(parsed->authzid, *user, config_.domains)) {
    return loginFailed({}, session, condition::kInvalidAuthzid);
  }
  auto ok = checkPassword(store_, *user, parsed->password);
  if (ok) return loginSucceeded(std::move(*user));
  if (ok.error() == PlainError::kTemporaryFailure) {
    return failure(condition::kTemporaryAuthFailure);
  }
  return loginFailed(*user, session, condition::kNotAuthorized);
}

AuthResult AuthLogic::scramStart(ScramMechanism mechanism, std::string_view message,
                                 const SessionInfo& session) {
  if (auto t = throttled({}, session)) return *t;
  auto parsed = parseClientFirst(message);
  if (!parsed) return loginFailed({}, session, scramCondition(parsed.error()));
  auto user = prepareUsername(parsed->username);
  if (!user) return loginFailed({}, session, condition::kNotAuthorized);
  if (auto t = throttled(*user, session)) return *t;

  auto started = scram_.start(mechanism, message, store_, clock_);
  if (!started) {
    if (started.error().error == ScramError::kTemporaryFailure) {
      return failure(condition::kTemporaryAuthFailure);
    }
    return loginFailed({}, session, scramCondition(started.error().error));
  }
  return challenge(std::move(started->serverFirst), std::move(started->token));
}

AuthResult AuthLogic::scramFinish(std::string_view token, std::string_view message,
                                  const SessionInfo& session) {
  // The proof is checked before the throttle so that the token's username is known; while
  // locked out the answer is temporary-auth-failure whatever the proof, so nothing leaks.
  auto finished = scram_.finish(token, message, store_, clock_);
  const std::string& user = finished ? finished->username : finished.error().username;
  if (auto t = throttled(user, session)) return *t;
  if (finished) return loginSucceeded(std::move(finished->username), finished->serverFinal);

  switch (finished.error().error) {
    case ScramError::kTemporaryFailure:
      return failure(condition::kTemporaryAuthFailure);
    case ScramError::kCredentialsChanged:  // a legitimate race, not a guess
      return failure(condition::kNotAuthorized);
    case ScramError::kNotAuthorized:
      return loginFailed(user, session, condition::kNotAuthorized);
    default:
      return loginFailed({}, session, scramCondition(finished.error().error));
  }
}

// --- XEP-0078 ------------------------------------------------------------------------------------

LegacyFields AuthLogic::legacyFields(const SessionInfo& session) const {
  return xmpp::auth::legacyFields(config_.storePlaintext, plainAllowed(session));
}

AuthResult AuthLogic::legacyAuth(std::string_view username, const LegacyCredential& credential,
                                 std::string_view streamId, const SessionInfo& session) {
  const bool digest = credential.kind == LegacyCredential::Kind::kDigest;
  if (username.empty() || credential.value.empty() || (digest && streamId.empty())) {
    return failure(condition::kMalformedRequest);
  }
  if (!digest && !plainAllowed(session)) return failure(condition::kEncryptionRequired);
  if (auto t = throttled({}, session)) return *t;
  auto user = prepareUsername(username);
  if (!user) return loginFailed({}, session, condition::kNotAuthorized);
  if (auto t = throttled(*user, session)) return *t;

  if (!digest) {
    auto ok = checkPassword(store_, *user, credential.value);
    if (ok) return loginSucceeded(std::move(*user));
    if (ok.error() == PlainError::kTemporaryFailure) {
      return failure(condition::kTemporaryAuthFailure);
    }
    return loginFailed(*user, session, condition::kNotAuthorized);
  }

  // Digest needs the plaintext; without the operator's opt-in it always fails, even for accounts
  // that still carry a plaintext from an earlier configuration.
  if (!config_.storePlaintext) return loginFailed(*user, session, condition::kNotAuthorized);
  auto account = store_.get(*user);
  if (!account && account.error() != storage::StoreError::kNotFound) {
    return failure(condition::kTemporaryAuthFailure);
  }
  if (account && account->plaintext &&
      verifyLegacyDigest(streamId, *account->plaintext, credential.value)) {
    return loginSucceeded(std::move(*user));
  }
  return loginFailed(*user, session, condition::kNotAuthorized);
}

// --- Accounts ------------------------------------------------------------------------------------

xmpp::Expected<AuthLogic::Credentials, AccountError> AuthLogic::makeCredentials(
    std::string_view password) {
  auto sha1 =
      deriveScramCredential(ScramMechanism::kSha1, password, random_, config_.scramIterations);
  if (!sha1) return unexpected(AccountError::kInvalidPassword);
  auto sha256 =
      deriveScramCredential(ScramMechanism::kSha256, password, random_, config_.scramIterations);
  if (!sha256) return unexpected(AccountError::kInvalidPassword);
  Credentials c{std::move(*sha1), std::move(*sha256), std::nullopt};
  if (config_.storePlaintext) c.plaintext = std::string(password);
  return c;
}

xmpp::Expected<std::string, AccountError> AuthLogic::registerAccount(std::string_view username,
                                                                     std::string_view password) {
  auto user = prepareUsername(username);
  if (!user) return unexpected(AccountError::kInvalidUsername);
  if (!saslprep(password, SaslprepMode::kStored)) {
    return unexpected(AccountError::kInvalidPassword);
  }
  // Cheap pre-check to skip two PBKDF2 runs for a taken name; create() stays authoritative.
  auto exists = store_.exists(*user);
  if (!exists) return unexpected(fromStore(exists.error()));
  if (*exists) return unexpected(AccountError::kConflict);

  auto creds = makeCredentials(password);
  if (!creds) return unexpected(creds.error());
  storage::Account account{*user, std::move(creds->sha1), std::move(creds->sha256),
                           std::move(creds->plaintext), clock_.now()};
  auto created = store_.create(account);
  if (!created) return unexpected(fromStore(created.error()));
  return std::move(*user);
}

AccountStatus AuthLogic::changePassword(std::string_view username, std::string_view newPassword) {
  auto user = prepareUsername(username);
  if (!user) return unexpected(AccountError::kInvalidUsername);
  auto creds = makeCredentials(newPassword);
  if (!creds) return unexpected(creds.error());
  auto updated = store_.updateCredentials(*user, creds->sha1, creds->sha256, creds->plaintext);
  if (!updated) return unexpected(fromStore(updated.error()));
  return std::monostate{};
}

AccountStatus AuthLogic::deleteAccount(std::string_view username) {
  auto user = prepareUsername(username);
  if (!user) return unexpected(AccountError::kInvalidUsername);
  auto removed = store_.remove(*user);
  if (!removed) return unexpected(fromStore(removed.error()));
  return std::monostate{};
}

xmpp::Expected<std::vector<std::string>, AccountError> AuthLogic::listUsers(
    storage::ListOptions options) {
  auto users = store_.list(options);
  if (!users) return unexpected(fromStore(users.error()));
  return std::move(*users);
}

xmpp::Expected<bool, AccountError> AuthLogic::userExists(std::string_view username) {
  auto user = prepareUsername(username);
  if (!user) return false;
  auto exists = store_.exists(*user);
  if (!exists) return unexpected(fromStore(exists.error()));
  return *exists;
}

}  // namespace xmpp::auth

#include "auth_grpc_service.hpp"

#include "prep.hpp"
#include "registration_policy.hpp"
#include "xmpp/service/observed.hpp"

namespace xmpp::auth {
namespace {

SessionInfo sessionOf(const v1::ClientSession& s) { return {s.source_address(), s.tls()}; }

void fillStep(const AuthResult& r, v1::SaslStep& out) {
  switch (r.outcome) {
    case AuthOutcome::kChallenge:
      out.set_outcome(v1::SaslStep::OUTCOME_CHALLENGE);
      break;
    case AuthOutcome::kSuccess:
      out.set_outcome(v1::SaslStep::OUTCOME_SUCCESS);
      break;
    case AuthOutcome::kFailure:
      out.set_outcome(v1::SaslStep::OUTCOME_FAILURE);
      break;
  }
  out.set_data(r.data);
  out.set_continuation(r.continuation);
  out.set_username(r.username);
  out.set_condition(r.condition);
  if (r.retryAfter) out.set_retry_after_seconds(static_cast<uint32_t>(r.retryAfter->count()));
}

}  // namespace

grpc::Status toStatus(AccountError e) {
  switch (e) {
    case AccountError::kInvalidUsername:
      return {grpc::INVALID_ARGUMENT, "invalid username"};
    case AccountError::kInvalidPassword:
      return {grpc::INVALID_ARGUMENT, "invalid password"};
    case AccountError::kConflict:
      return {grpc::ALREADY_EXISTS, "account exists"};
    case AccountError::kNotFound:
      return {grpc::NOT_FOUND, "no such account"};
    case AccountError::kUnavailable:
      return {grpc::UNAVAILABLE, "database unavailable"};
    case AccountError::kInternal:
      return {grpc::INTERNAL, "internal error"};
  }
  return {grpc::INTERNAL, "internal error"};
}

grpc::Status AuthGrpcService::Mechanisms(grpc::ServerContext*, const v1::MechanismsRequest* req,
                                         v1::MechanismsResponse* res) {
  return service::observed(metrics_, "Mechanisms", [&] {
    for (auto& m : logic_.mechanisms(req->tls())) res->add_mechanisms(m);
    res->set_legacy_auth(true);
    res->set_registration(options_.registration);
    return grpc::Status::OK;
  });
}

grpc::Status AuthGrpcService::SaslStart(grpc::ServerContext*, const v1::SaslStartRequest* req,
                                        v1::SaslStep* res) {
  return service::observed(metrics_, "SaslStart", [&] {
    AuthResult r =
        logic_.saslStart(req->mechanism(), req->initial_response(), sessionOf(req->session()));
    if (r.outcome != AuthOutcome::kChallenge) {
      options_.onLogin(req->mechanism(),
                       r.outcome == AuthOutcome::kSuccess ? "success" : r.condition);
    }
    fillStep(r, *res);
    return grpc::Status::OK;
  });
}

grpc::Status AuthGrpcService::SaslContinue(grpc::ServerContext*, const v1::SaslContinueRequest* req,
                                           v1::SaslStep* res) {
  return service::observed(metrics_, "SaslContinue", [&] {
    AuthResult r =
        logic_.saslContinue(req->continuation(), req->response(), sessionOf(req->session()));
    if (r.outcome != AuthOutcome::kChallenge) {
      // Only SCRAM takes a second step; the continuation is opaque here.
      options_.onLogin("SCRAM", r.outcome == AuthOutcome::kSuccess ? "success" : r.condition);
    }
    fillStep(r, *res);
    return grpc::Status::OK;
  });
}

grpc::Status AuthGrpcService::LegacyAuthFields(grpc::ServerContext*,
                                               const v1::LegacyAuthFieldsRequest*,
                                               v1::LegacyAuthFieldsResponse* res) {
  return service::observed(metrics_, "LegacyAuthFields", [&] {
    LegacyFields f = logic_.legacyFields(SessionInfo{{}, true});
    res->set_password(f.password);
    res->set_digest(f.digest);
    return grpc::Status::OK;
  });
}

grpc::Status AuthGrpcService::LegacyAuth(grpc::ServerContext*, const v1::LegacyAuthRequest* req,
                                         v1::LegacyAuthResponse* res) {
  return service::observed(metrics_, "LegacyAuth", [&] {
    if (req->password().empty() == req->digest().empty()) {
      return grpc::Status(grpc::INVALID_ARGUMENT, "exactly one of password and digest");
    }
    LegacyCredential cred;
    cred.kind = req->password().empty() ? LegacyCredential::Kind::kDigest
                                        : LegacyCredential::Kind::kPassword;
    cred.value = req->password().empty() ? req->digest() : req->password();
    AuthResult r = logic_.legacyAuth(req->username(), cred, req->session().stream_id(),
                                     sessionOf(req->session()));
    options_.onLogin(req->password().empty() ? "legacy-digest" : "legacy-password",
                     r.outcome == AuthOutcome::kSuccess ? "success" : r.condition);
    res->set_ok(r.outcome == AuthOutcome::kSuccess);
    res->set_username(r.username);
    res->set_condition(r.condition);
    if (r.retryAfter) res->set_retry_after_seconds(static_cast<uint32_t>(r.retryAfter->count()));
    return grpc::Status::OK;
  });
}

grpc::Status AuthGrpcService::Register(grpc::ServerContext*, const v1::RegisterRequest* req,
                                       v1::AuthEmpty*) {
  return service::observed(metrics_, "Register", [&] {
    if (!req->admin() && !options_.registration) {
      return grpc::Status(grpc::PERMISSION_DENIED, "in-band registration is disabled");
    }
    RegistrationPolicy* policy = req->admin() ? nullptr : options_.registrationPolicy;
    const std::string& address = req->session().source_address();
    if (policy != nullptr) {
      auto user = prepareUsername(req->username());
      if (!user) return toStatus(AccountError::kInvalidUsername);
      switch (policy->check(*user, address)) {
        case RegistrationPolicy::Verdict::kAllowed:
          break;
        case RegistrationPolicy::Verdict::kNameReserved:
          return grpc::Status(grpc::ALREADY_EXISTS, "name of a removed account");
        case RegistrationPolicy::Verdict::kThrottled:
          return grpc::Status(grpc::RESOURCE_EXHAUSTED, "too many registrations");
        case RegistrationPolicy::Verdict::kUnavailable:
          return toStatus(AccountError::kUnavailable);
      }
    }
    auto r = logic_.registerAccount(req->username(), req->password());
    if (r && policy != nullptr) policy->registered(address);
    return r ? grpc::Status::OK : toStatus(r.error());
  });
}

grpc::Status AuthGrpcService::ChangePassword(grpc::ServerContext*,
                                             const v1::ChangePasswordRequest* req, v1::AuthEmpty*) {
  return service::observed(metrics_, "ChangePassword", [&] {
    auto r = logic_.changePassword(req->username(), req->password());
    return r ? grpc::Status::OK : toStatus(r.error());
  });
}

grpc::Status AuthGrpcService::DeleteAccount(grpc::ServerContext*,
                                            const v1::DeleteAccountRequest* req, v1::AuthEmpty*) {
  return service::observed(metrics_, "DeleteAccount", [&] {
    auto exists = logic_.userExists(req->username());
    if (!exists) return toStatus(exists.error());
    if (!*exists) return toStatus(AccountError::kNotFound);
    // User data first: if the userdata service is down nothing is deleted and the caller
    // retries; deleting the data of an existing account twice is harmless.
    if (options_.deleteUserData) {
      grpc::Status s = options_.deleteUserData(req->username());
      if (!s.ok()) return s;
    }
    auto r = logic_.deleteAccount(req->username());
    if (!r) return toStatus(r.error());
    // The name stays reserved; if that write fails the account is gone all the same.
    if (options_.registrationPolicy != nullptr) {
      if (auto user = prepareUsername(req->username())) {
        options_.registrationPolicy->removed(*user);
      }
    }
    return grpc::Status::OK;
  });
}

grpc::Status AuthGrpcService::ListUsers(grpc::ServerContext*, const v1::ListUsersRequest* req,
                                        v1::ListUsersResponse* res) {
  return service::observed(metrics_, "ListUsers", [&] {
    storage::ListOptions options;
    if (req->limit() > 0) options.limit = req->limit();
    options.offset = req->offset();
    auto r = logic_.listUsers(options);
    if (!r) return toStatus(r.error());
    for (auto& u : *r) res->add_usernames(u);
    return grpc::Status::OK;
  });
}

grpc::Status AuthGrpcService::UserExists(grpc::ServerContext*, const v1::UserExistsRequest* req,
                                         v1::UserExistsResponse* res) {
  return service::observed(metrics_, "UserExists", [&] {
    auto r = logic_.userExists(req->username());
    if (!r) return toStatus(r.error());
    res->set_exists(*r);
    return grpc::Status::OK;
  });
}

}  // namespace xmpp::auth

#pragma once
// gRPC face of AuthLogic: translates proto <-> calls and maps errors to grpc::Status in one
// place. Runs on gRPC's synchronous server, whose bounded thread pool is where the blocking
// work (PostgreSQL, the PBKDF2 of PLAIN) belongs; see docs/adr/0003-auth-grpc-sync-server.md.

#include <functional>

#include "auth_logic.hpp"
#include "xmpp/observability/rpc_metrics.hpp"
#include "xmpp/v1/auth.grpc.pb.h"

namespace xmpp::auth {

class RegistrationPolicy;

struct AuthServiceOptions {
  bool registration = false;  // XEP-0077 in-band registration for clients
  /// Tombstones and per-address limits for in-band registration; null: none.
  RegistrationPolicy* registrationPolicy = nullptr;
  /// Removes the user's roster data (userdata service) before the account goes.
  std::function<grpc::Status(const std::string& username)> deleteUserData;
  /// A finished login: mechanism ("PLAIN", "SCRAM", "legacy-digest", ...) and result
  /// ("success" or the failure condition). For metrics; never given credentials.
  std::function<void(std::string_view mechanism, std::string_view result)> onLogin =
      [](std::string_view, std::string_view) {};
};

grpc::Status toStatus(AccountError e);

class AuthGrpcService final : public v1::Auth::Service {
 public:
  AuthGrpcService(AuthLogic& logic, observability::RpcMetrics& metrics, AuthServiceOptions options)
      : logic_(logic), metrics_(metrics), options_(std::move(options)) {}

  grpc::Status Mechanisms(grpc::ServerContext*, const v1::MechanismsRequest*,
                          v1::MechanismsResponse*) override;
  grpc::Status SaslStart(grpc::ServerContext*, const v1::SaslStartRequest*, v1::SaslStep*) override;
  grpc::Status SaslContinue(grpc::ServerContext*, const v1::SaslContinueRequest*,
                            v1::SaslStep*) override;
  grpc::Status LegacyAuthFields(grpc::ServerContext*, const v1::LegacyAuthFieldsRequest*,
                                v1::LegacyAuthFieldsResponse*) override;
  grpc::Status LegacyAuth(grpc::ServerContext*, const v1::LegacyAuthRequest*,
                          v1::LegacyAuthResponse*) override;
  grpc::Status Register(grpc::ServerContext*, const v1::RegisterRequest*, v1::AuthEmpty*) override;
  grpc::Status ChangePassword(grpc::ServerContext*, const v1::ChangePasswordRequest*,
                              v1::AuthEmpty*) override;
  grpc::Status DeleteAccount(grpc::ServerContext*, const v1::DeleteAccountRequest*,
                             v1::AuthEmpty*) override;
  grpc::Status ListUsers(grpc::ServerContext*, const v1::ListUsersRequest*,
                         v1::ListUsersResponse*) override;
  grpc::Status UserExists(grpc::ServerContext*, const v1::UserExistsRequest*,
                          v1::UserExistsResponse*) override;

 private:
  AuthLogic& logic_;
  observability::RpcMetrics& metrics_;
  AuthServiceOptions options_;
};

}  // namespace xmpp::auth

// xmpp-auth: accounts and SASL over gRPC, data in PostgreSQL. Wiring only: the logic is
// AuthLogic (auth_logic.hpp), the translation AuthGrpcService.

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <prometheus/counter.h>

#include "auth_grpc_service.hpp"
#include "auth_logic.hpp"
#include "registration_policy.hpp"
#include "xmpp/config/config.hpp"
#include "xmpp/runtime/runtime.hpp"
#include "xmpp/service/database.hpp"
#include "xmpp/service/grpc_host.hpp"
#include "xmpp/storage_pg/pg_account_store.hpp"
#include "xmpp/storage_pg/pg_tombstone_store.hpp"
#include "xmpp/v1/roster.grpc.pb.h"

using namespace xmpp;

namespace {

// 32 bytes shared by every auth replica, so any replica can continue a SCRAM exchange.
std::string tokenSecret(const config::Config& cfg) {
  std::string configured = cfg.getSecret("auth.token_key");
  std::string key(SHA256_DIGEST_LENGTH, '\0');
  if (configured.empty()) {
    runtime::logWarn(
        "auth.token_key not set: using a random key, so SCRAM exchanges cannot "
        "span auth replicas");
    RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size()));
  } else {
    SHA256(reinterpret_cast<const unsigned char*>(configured.data()), configured.size(),
           reinterpret_cast<unsigned char*>(key.data()));
  }
  return key;
}

auth::AuthConfig authConfig(const config::Config& cfg) {
  auth::AuthConfig c;
  c.tokenSecret = tokenSecret(cfg);
  c.scramIterations = static_cast<int>(cfg.getInt("auth.scram_iterations", 4096));
  c.allowPlainWithoutTls = cfg.getBool("auth.plain_without_tls", false);
  c.storePlaintext = cfg.getBool("auth.store_plaintext", false);
  c.throttle.perAccount.maxFailures =
      static_cast<int>(cfg.getInt("auth.throttle.account_failures", 5));
  c.throttle.perAddress.maxFailures =
      static_cast<int>(cfg.getInt("auth.throttle.address_failures", 20));
  const auto window = std::chrono::seconds(cfg.getInt("auth.throttle.window_s", 300));
  const auto lockout = std::chrono::seconds(cfg.getInt("auth.throttle.lockout_s", 300));
  c.throttle.perAccount.window = c.throttle.perAddress.window = window;
  c.throttle.perAccount.lockout = c.throttle.perAddress.lockout = lockout;
  return c;
}

}  // namespace

int main(int argc, char** argv) try {
  runtime::blockShutdownSignals();
  const auto cfg = config::Config::load(argc, argv);
  service::configureLogging(cfg, "auth");

  auto registry = std::make_shared<prometheus::Registry>();
  observability::RpcMetrics metrics(*registry, "auth");
  auto pool = service::openDatabase(cfg, "auth", storage_pg::authMigrations(), metrics);
  storage_pg::PgAccountStore accounts(*pool);
  storage_pg::PgTombstoneStore tombstones(*pool);
  SystemClock clock;
  auth::AuthLogic logic(accounts, clock, authConfig(cfg));
  auth::RegistrationPolicy registrationPolicy(
      tombstones, clock,
      {.tombstoneFor = std::chrono::seconds(cfg.getInt("auth.tombstone_days", 30) * 24 * 3600),
       .perAddress = static_cast<int>(cfg.getInt("auth.registrations_per_address", 5)),
       .window = std::chrono::seconds(cfg.getInt("auth.registration_window_s", 3600))});

  // Account deletion removes the user's data in the userdata service first.
  std::unique_ptr<v1::Roster::Stub> roster;
  if (const std::string address = cfg.getString("userdata.address", ""); !address.empty()) {
    roster = v1::Roster::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  } else {
    runtime::logWarn("userdata.address not set: account deletion leaves roster data behind");
  }
  const std::string domain = cfg.getString("xmpp.domain", "localhost");
  auth::AuthServiceOptions options;
  options.registration = cfg.getBool("auth.registration", false);
  options.registrationPolicy = &registrationPolicy;
  options.deleteUserData = [&](const std::string& username) {
    if (!roster) return grpc::Status::OK;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::UserRequest req;
    req.set_user(username + "@" + domain);
    // The unsubscribe stanzas for the contacts in the answer are for a router to deliver;
    // an admin deletion through here has none to hand them to (docs/architecture.md).
    v1::RosterEffects res;
    return roster->DeleteUserData(&ctx, req, &res);
  };
  auto& logins = prometheus::BuildCounter()
                     .Name("xmpp_logins_total")
                     .Help("Finished logins by mechanism and result")
                     .Register(*registry);
  options.onLogin = [&](std::string_view mechanism, std::string_view result) {
    logins.Add({{"mechanism", std::string(mechanism)}, {"result", std::string(result)}})
        .Increment();
  };
  auth::AuthGrpcService service(logic, metrics, options);

  return service::serveUntilSignal(cfg, {.name = "auth",
                                         .defaultListen = "127.0.0.1:50051",
                                         .defaultOpsPort = 9101,
                                         .services = {&service},
                                         .registry = registry,
                                         .ready = [&] { return pool->healthy(); }});
} catch (const std::exception& e) {
  xmpp::runtime::logError("fatal", {{"error", e.what()}});
  return 1;
}

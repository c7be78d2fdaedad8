// xmpp-auth: accounts and SASL over gRPC, data in PostgreSQL. Wiring only; the logic is in
// AuthLogic (auth_logic.hpp) and the translation in AuthGrpcService.

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <thread>

#include "auth_grpc_service.hpp"
#include "auth_logic.hpp"
#include "xmpp/config/config.hpp"
#include "xmpp/observability/http_server.hpp"
#include "xmpp/runtime/runtime.hpp"
#include "xmpp/storage_pg/pg_account_store.hpp"
#include "xmpp/v1/roster.grpc.pb.h"

using namespace xmpp;

namespace {

std::string tokenSecret(const config::Config& cfg) {
  std::string configured = cfg.getSecret("auth.token_key");
  std::string key(SHA256_DIGEST_LENGTH, '\0');
  if (configured.empty()) {
    runtime::logWarn("auth.token_key not set: using a random key, so SCRAM exchanges cannot "
                     "span auth replicas");
    RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size()));
  } else {
    SHA256(reinterpret_cast<const unsigned char*>(configured.data()), configured.size(),
           reinterpret_cast<unsigned char*>(key.data()));
  }
  return key;
}

// Applies the schema, retrying while PostgreSQL is still starting.
void migrate(const std::string& url, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      pqxx::connection conn(url);
      int n = storage_pg::applyMigrations(conn, "auth", storage_pg::authMigrations());
      runtime::logInfo("schema ready", {{"applied", std::to_string(n)}});
      return;
    } catch (const pqxx::broken_connection& e) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      runtime::logWarn("waiting for PostgreSQL");
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

}  // namespace

int main(int argc, char** argv) try {
  runtime::blockShutdownSignals();
  const auto cfg = config::Config::load(argc, argv);
  runtime::configureLogging("auth",
                            cfg.getString("log.format", "text") == "json" ? runtime::LogFormat::kJson
                                                                          : runtime::LogFormat::kText,
                            cfg.getBool("log.debug", false));

  const std::string dbUrl = cfg.getSecret(
      "db.url", "host=127.0.0.1 port=5432 user=xmpp dbname=xmpp connect_timeout=2");
  migrate(dbUrl, std::chrono::seconds(cfg.getInt("db.startup_timeout_s", 60)));

  auto registry = std::make_shared<prometheus::Registry>();
  observability::RpcMetrics metrics(*registry, "auth");
  storage_pg::PgPool pool({.connectionString = dbUrl,
                           .size = static_cast<size_t>(cfg.getInt("db.pool_size", 8)),
                           .acquireTimeout = std::chrono::milliseconds(
                               cfg.getInt("db.acquire_timeout_ms", 2000)),
                           .onError = [&](std::string_view kind) { metrics.dbError(kind); }});
  storage_pg::PgAccountStore accounts(pool);

  SystemClock clock;
  auth::AuthConfig authConfig;
  authConfig.tokenSecret = tokenSecret(cfg);
  authConfig.scramIterations = static_cast<int>(cfg.getInt("auth.scram_iterations", 4096));
  authConfig.allowPlainWithoutTls = cfg.getBool("auth.plain_without_tls", false);
  authConfig.storePlaintext = cfg.getBool("auth.store_plaintext", false);
  authConfig.throttle.perAccount.maxFailures =
      static_cast<int>(cfg.getInt("auth.throttle.account_failures", 5));
  authConfig.throttle.perAddress.maxFailures =
      static_cast<int>(cfg.getInt("auth.throttle.address_failures", 20));
  const auto window = std::chrono::seconds(cfg.getInt("auth.throttle.window_s", 300));
  const auto lockout = std::chrono::seconds(cfg.getInt("auth.throttle.lockout_s", 300));
  authConfig.throttle.perAccount.window = authConfig.throttle.perAddress.window = window;
  authConfig.throttle.perAccount.lockout = authConfig.throttle.perAddress.lockout = lockout;
  auth::AuthLogic logic(accounts, clock, authConfig);

  // Account deletion removes the user's data in the roster service first.
  std::unique_ptr<v1::Roster::Stub> roster;
  const std::string rosterAddress = cfg.getString("roster.address", "");
  if (!rosterAddress.empty()) {
    roster = v1::Roster::NewStub(
        grpc::CreateChannel(rosterAddress, grpc::InsecureChannelCredentials()));
  } else {
    runtime::logWarn("roster.address not set: account deletion leaves roster data behind");
  }
  const std::string domain = cfg.getString("xmpp.domain", "localhost");
  auth::AuthServiceOptions options;
  options.registration = cfg.getBool("auth.registration", false);
  options.deleteUserData = [&](const std::string& username) {
    if (!roster) return grpc::Status::OK;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::UserRequest req;
    req.set_user(username + "@" + domain);
    v1::RosterEmpty res;
    return roster->DeleteUserData(&ctx, req, &res);
  };
  auth::AuthGrpcService service(logic, metrics, options);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int grpcPort = 0;
  builder.AddListeningPort(cfg.getString("auth.listen", "127.0.0.1:50051"),
                           grpc::InsecureServerCredentials(), &grpcPort);
  builder.RegisterService(&service);
  grpc::ResourceQuota quota("auth");
  quota.SetMaxThreads(static_cast<int>(cfg.getInt("auth.max_threads", 16)));
  builder.SetResourceQuota(quota);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || grpcPort == 0) throw std::runtime_error("cannot listen on auth.listen");

  observability::OpsHttpServer ops(
      registry, {.address = cfg.getString("ops.address", "127.0.0.1"),
                 .port = static_cast<uint16_t>(cfg.getInt("ops.port", 9101)),
                 .ready = [&] { return pool.healthy(); }});
  runtime::logInfo("listening", {{"grpc_port", std::to_string(grpcPort)},
                                 {"ops_port", std::to_string(ops.port())}});

  const std::string sig = runtime::waitForShutdownSignal();
  runtime::logInfo("shutting down", {{"signal", sig}});
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
} catch (const std::exception& e) {
  xmpp::runtime::logError("fatal", {{"error", e.what()}});
  return 1;
}

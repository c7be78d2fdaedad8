#include "xmpp/service/database.hpp"

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::service {

std::unique_ptr<storage_pg::PgPool> openDatabase(const config::Config& cfg,
                                                 const std::string& component,
                                                 const std::vector<storage_pg::Migration>& schema,
                                                 observability::RpcMetrics& metrics) {
  const std::string url =
      cfg.getSecret("db.url", "host=127.0.0.1 port=5432 user=xmpp dbname=xmpp connect_timeout=2");
  const int applied = storage_pg::migrateWithRetry(
      url, component, schema, std::chrono::seconds(cfg.getInt("db.startup_timeout_s", 60)));
  runtime::logInfo("schema ready", {{"applied", std::to_string(applied)}});
  return std::make_unique<storage_pg::PgPool>(storage_pg::PoolOptions{
      .connectionString = url,
      .size = static_cast<size_t>(cfg.getInt("db.pool_size", 8)),
      .acquireTimeout = std::chrono::milliseconds(cfg.getInt("db.acquire_timeout_ms", 2000)),
      .onError = [&metrics](std::string_view kind) { metrics.dbError(kind); },
      .onDuration = [&metrics](double seconds) { metrics.dbDuration(seconds); }});
}

}  // namespace xmpp::service

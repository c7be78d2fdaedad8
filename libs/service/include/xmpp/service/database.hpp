#pragma once
// PostgreSQL for a service's main(): migrations at start-up, then the pool.

#include <memory>
#include <string>
#include <vector>

#include "xmpp/config/config.hpp"
#include "xmpp/observability/rpc_metrics.hpp"
#include "xmpp/storage_pg/migrations.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::service {

/// Applies `component`'s migrations (waiting up to db.startup_timeout_s for PostgreSQL) and
/// opens the pool with errors and latency recorded in `metrics`. Keys: db.url (a secret),
/// db.pool_size, db.acquire_timeout_ms, db.startup_timeout_s. Throws at start-up only.
std::unique_ptr<storage_pg::PgPool> openDatabase(const config::Config& cfg,
                                                 const std::string& component,
                                                 const std::vector<storage_pg::Migration>& schema,
                                                 observability::RpcMetrics& metrics);

}  // namespace xmpp::service

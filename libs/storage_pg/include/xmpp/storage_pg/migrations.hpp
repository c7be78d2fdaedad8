#pragma once
// Versioned SQL migrations, applied at service start-up.
//
// Each service owns its tables and its migrations (deploy/sql/migrations/<component>/
// NNNN_name.sql, embedded into the binary at build time). Applying them is idempotent and
// safe with several replicas starting at once: one transaction under an advisory lock
// records each applied version in xmpp_schema_migrations.

#include <chrono>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace xmpp::storage_pg {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

/// Applies the migrations of `component` newer than the recorded version; returns how
/// many were applied. Throws on failure (start-up only).
int applyMigrations(pqxx::connection& conn, const std::string& component,
                    const std::vector<Migration>& migrations);

/// applyMigrations() on a fresh connection, retrying while PostgreSQL is not reachable yet
/// (containers start in any order) until `timeout`. Throws on timeout or SQL errors.
int migrateWithRetry(const std::string& connectionString, const std::string& component,
                     const std::vector<Migration>& migrations, std::chrono::seconds timeout);

}  // namespace xmpp::storage_pg

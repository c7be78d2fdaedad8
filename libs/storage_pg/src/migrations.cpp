#include "xmpp/storage_pg/migrations.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace xmpp::storage_pg {

int applyMigrations(pqxx::connection& conn, const std::string& component,
                    const std::vector<Migration>& migrations) {
  std::vector<Migration> sorted = migrations;
  std::sort(sorted.begin(), sorted.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].version == sorted[i - 1].version) {
      throw std::runtime_error("duplicate migration version " + std::to_string(sorted[i].version));
    }
  }

  pqxx::work tx(conn);
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", "xmpp_migrations");
  tx.exec(
      "CREATE TABLE IF NOT EXISTS xmpp_schema_migrations ("
      " component text NOT NULL, version integer NOT NULL, name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))");
  const int current = tx.exec_params1(
                            "SELECT coalesce(max(version), 0) FROM xmpp_schema_migrations "
                            "WHERE component = $1",
                            component)[0]
                          .as<int>();
  int applied = 0;
  for (const auto& m : sorted) {
    if (m.version <= current) continue;
    tx.exec(m.sql);
    tx.exec_params(
        "INSERT INTO xmpp_schema_migrations (component, version, name) "
        "VALUES ($1, $2, $3)",
        component, m.version, m.name);
    ++applied;
  }
  tx.commit();
  return applied;
}

int migrateWithRetry(const std::string& connectionString, const std::string& component,
                     const std::vector<Migration>& migrations, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      pqxx::connection conn(connectionString);
      return applyMigrations(conn, component, migrations);
    } catch (const pqxx::broken_connection&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
}

}  // namespace xmpp::storage_pg

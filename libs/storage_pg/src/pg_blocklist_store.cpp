#include "xmpp/storage_pg/pg_blocklist_store.hpp"

namespace xmpp::storage_pg {

using storage::StoreError;
using storage::StoreStatus;

Expected<std::vector<std::string>, StoreError> PgBlockListStore::list(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT jid FROM roster_blocklist WHERE username = $1 ORDER BY jid",
                            std::string(user));
    std::vector<std::string> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(row[0].as<std::string>());
    return out;
  });
}

StoreStatus PgBlockListStore::block(std::string_view user, const std::vector<std::string>& jids) {
  return pool_.run([&](pqxx::connection& c) -> StoreStatus {
    pqxx::work tx(c);
    for (const auto& j : jids) {
      tx.exec_params(
          "INSERT INTO roster_blocklist (username, jid) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          std::string(user), j);
    }
    tx.commit();
    return std::monostate{};
  });
}

StoreStatus PgBlockListStore::unblock(std::string_view user, const std::vector<std::string>& jids) {
  return pool_.run([&](pqxx::connection& c) -> StoreStatus {
    pqxx::work tx(c);
    if (jids.empty()) {
      tx.exec_params("DELETE FROM roster_blocklist WHERE username = $1", std::string(user));
    }
    for (const auto& j : jids) {
      tx.exec_params("DELETE FROM roster_blocklist WHERE username = $1 AND jid = $2",
                     std::string(user), j);
    }
    tx.commit();
    return std::monostate{};
  });
}

Expected<std::size_t, StoreError> PgBlockListStore::removeUser(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("DELETE FROM roster_blocklist WHERE username = $1", std::string(user));
    tx.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

}  // namespace xmpp::storage_pg

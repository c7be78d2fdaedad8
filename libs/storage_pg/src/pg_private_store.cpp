#include "xmpp/storage_pg/pg_private_store.hpp"

#include <string>

namespace xmpp::storage_pg {

using storage::StoreError;
using storage::StoreStatus;

Expected<std::string, StoreError> PgPrivateStore::get(std::string_view user, std::string_view ns,
                                                      std::string_view name) {
  return pool_.run([&](pqxx::connection& c) -> Expected<std::string, StoreError> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(
        "SELECT element FROM roster_private WHERE username = $1 AND ns = $2 AND name = $3",
        std::string(user), std::string(ns), std::string(name));
    if (r.empty()) return unexpected(StoreError::kNotFound);
    return pqxx::binarystring(r[0][0]).str();
  });
}

StoreStatus PgPrivateStore::set(std::string_view user, std::string_view ns, std::string_view name,
                                std::string_view elementBytes) {
  return pool_.run([&](pqxx::connection& c) -> StoreStatus {
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO roster_private (username, ns, name, element) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (username, ns, name) DO UPDATE SET element = EXCLUDED.element",
        std::string(user), std::string(ns), std::string(name),
        pqxx::binarystring(elementBytes.data(), elementBytes.size()));
    tx.commit();
    return std::monostate{};
  });
}

Expected<std::size_t, StoreError> PgPrivateStore::count(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT count(*) FROM roster_private WHERE username = $1",
                            std::string(user));
    return static_cast<std::size_t>(r[0][0].as<long long>());
  });
}

Expected<std::size_t, StoreError> PgPrivateStore::removeUser(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("DELETE FROM roster_private WHERE username = $1", std::string(user));
    tx.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

}  // namespace xmpp::storage_pg

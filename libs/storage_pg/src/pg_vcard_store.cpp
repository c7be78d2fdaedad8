#include "xmpp/storage_pg/pg_vcard_store.hpp"

#include <string>

namespace xmpp::storage_pg {

using storage::StoreError;
using storage::StoreStatus;

Expected<std::string, StoreError> PgVcardStore::get(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) -> Expected<std::string, StoreError> {
    pqxx::read_transaction tx(c);
    auto r =
        tx.exec_params("SELECT vcard FROM roster_vcards WHERE username = $1", std::string(user));
    if (r.empty()) return unexpected(StoreError::kNotFound);
    return pqxx::binarystring(r[0][0]).str();
  });
}

StoreStatus PgVcardStore::set(std::string_view user, std::string_view elementBytes) {
  return pool_.run([&](pqxx::connection& c) -> StoreStatus {
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO roster_vcards (username, vcard) VALUES ($1, $2) "
        "ON CONFLICT (username) DO UPDATE SET vcard = EXCLUDED.vcard",
        std::string(user), pqxx::binarystring(elementBytes.data(), elementBytes.size()));
    tx.commit();
    return std::monostate{};
  });
}

Expected<std::size_t, StoreError> PgVcardStore::removeUser(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("DELETE FROM roster_vcards WHERE username = $1", std::string(user));
    tx.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

}  // namespace xmpp::storage_pg

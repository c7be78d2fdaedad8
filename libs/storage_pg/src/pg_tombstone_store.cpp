#include "xmpp/storage_pg/pg_tombstone_store.hpp"

namespace xmpp::storage_pg {

using Time = std::chrono::system_clock::time_point;

Expected<std::optional<Time>, storage::StoreError> PgTombstoneStore::removedAt(
    std::string_view username) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(
        "SELECT (extract(epoch FROM deleted_at) * 1000000)::bigint FROM auth_tombstones "
        "WHERE username = $1",
        std::string(username));
    if (r.empty()) return std::optional<Time>{};
    return std::optional<Time>(Time(std::chrono::microseconds(r[0][0].as<long long>())));
  });
}

storage::StoreStatus PgTombstoneStore::put(std::string_view username, Time at) {
  return pool_.run([&](pqxx::connection& c) -> storage::StoreStatus {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO auth_tombstones (username, deleted_at) "
        "VALUES ($1, to_timestamp($2::double precision / 1000000)) "
        "ON CONFLICT (username) DO UPDATE SET deleted_at = EXCLUDED.deleted_at",
        std::string(username), static_cast<long long>(us));
    tx.commit();
    return std::monostate{};
  });
}

}  // namespace xmpp::storage_pg

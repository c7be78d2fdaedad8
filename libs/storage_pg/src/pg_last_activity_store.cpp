#include "xmpp/storage_pg/pg_last_activity_store.hpp"

namespace xmpp::storage_pg {

using storage::LastActivity;
using storage::StoreError;
using storage::StoreStatus;

Expected<LastActivity, StoreError> PgLastActivityStore::get(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) -> Expected<LastActivity, StoreError> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(
        "SELECT (extract(epoch FROM logout) * 1000000)::bigint, status "
        "FROM roster_last_activity WHERE username = $1",
        std::string(user));
    if (r.empty()) return unexpected(StoreError::kNotFound);
    LastActivity last;
    last.logout =
        std::chrono::system_clock::time_point(std::chrono::microseconds(r[0][0].as<long long>()));
    last.status = r[0][1].as<std::string>();
    return last;
  });
}

StoreStatus PgLastActivityStore::set(std::string_view user, const LastActivity& last) {
  return pool_.run([&](pqxx::connection& c) -> StoreStatus {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(last.logout.time_since_epoch())
            .count();
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO roster_last_activity (username, logout, status) "
        "VALUES ($1, to_timestamp($2::double precision / 1000000), $3) "
        "ON CONFLICT (username) DO UPDATE SET logout = EXCLUDED.logout, status = EXCLUDED.status",
        std::string(user), static_cast<long long>(us), last.status);
    tx.commit();
    return std::monostate{};
  });
}

Expected<std::size_t, StoreError> PgLastActivityStore::removeUser(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r =
        tx.exec_params("DELETE FROM roster_last_activity WHERE username = $1", std::string(user));
    tx.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

}  // namespace xmpp::storage_pg

#include "xmpp/storage_pg/pg_offline_store.hpp"

#include <chrono>
#include <limits>
#include <string>

namespace xmpp::storage_pg {

using storage::OfflinePut;
using storage::StoredMessage;
using storage::StoreError;

namespace {

// Namespace (first key) of the two-key advisory locks taken by store(); the second key is
// hashtext(username). Two-key advisory locks never collide with one-bigint ones (such as the
// migration lock); a hash collision between two users only serializes them a little more.
constexpr int kOfflineLockSpace = 0x726f6f66;  // "roof": roster offline

std::int64_t toMicros(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point fromMicros(std::int64_t us) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::microseconds(us)));
}

std::int64_t clampToInt64(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(n > kMax ? kMax : n);
}

// A bigint[] literal.
std::string bigintArrayLiteral(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

}  // namespace

Expected<OfflinePut, StoreError> PgOfflineStore::store(std::string_view user,
                                                       const StoredMessage& message,
                                                       std::size_t maxPerUser) {
  return pool_.run([&](pqxx::connection& c) -> Expected<OfflinePut, StoreError> {
    pqxx::work tx(c);
    const std::string u(user);
    // Count and insert under the user's lock, so concurrent stores never exceed the quota.
    tx.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kOfflineLockSpace, u);
    const auto held =
        tx.exec_params1("SELECT count(*) FROM roster_offline WHERE username = $1", u)[0]
            .as<std::size_t>();
    if (held >= maxPerUser) return OfflinePut{OfflinePut::Status::kQuotaFull, 0};
    auto r = tx.exec_params1(
        "INSERT INTO roster_offline (username, stanza, stamp) "
        "VALUES ($1, $2, 'epoch'::timestamptz + $3::bigint * interval '1 microsecond') "
        "RETURNING id",
        u, pqxx::binarystring(message.stanzaBytes), toMicros(message.stamp));
    const auto id = r[0].as<std::int64_t>();
    tx.commit();
    return OfflinePut{OfflinePut::Status::kStored, id};
  });
}

Expected<std::vector<StoredMessage>, StoreError> PgOfflineStore::fetchPage(
    std::string_view user, const storage::OfflinePage& page) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    // A page bounded in bytes too (issue 9, case 5): rows while the running total of their
    // sizes stays within the bound, and always the first.
    auto r = tx.exec_params(
        "SELECT id, stanza, micros FROM ("
        "  SELECT id, stanza, (extract(epoch FROM stamp) * 1000000)::bigint AS micros,"
        "         sum(octet_length(stanza)) OVER (ORDER BY id) AS running,"
        "         row_number() OVER (ORDER BY id) AS n"
        "  FROM (SELECT id, stanza, stamp FROM roster_offline"
        "        WHERE username = $1 AND id > $2 ORDER BY id LIMIT $3) AS oldest"
        ") AS page WHERE n = 1 OR running <= $4 ORDER BY id",
        std::string(user), page.afterId, clampToInt64(page.limit), clampToInt64(page.maxBytes));
    std::vector<StoredMessage> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      StoredMessage m;
      m.id = row[0].as<std::int64_t>();
      m.stanzaBytes = pqxx::binarystring(row[1]).str();
      m.stamp = fromMicros(row[2].as<std::int64_t>());
      out.push_back(std::move(m));
    }
    return out;
  });
}

Expected<std::size_t, StoreError> PgOfflineStore::ack(std::string_view user,
                                                      const std::vector<std::int64_t>& ids) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r =
        tx.exec_params("DELETE FROM roster_offline WHERE username = $1 AND id = ANY($2::bigint[])",
                       std::string(user), bigintArrayLiteral(ids));
    tx.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

Expected<std::size_t, StoreError> PgOfflineStore::count(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return tx
        .exec_params1("SELECT count(*) FROM roster_offline WHERE username = $1",
                      std::string(user))[0]
        .as<std::size_t>();
  });
}

Expected<std::size_t, StoreError> PgOfflineStore::removeUser(std::string_view user) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("DELETE FROM roster_offline WHERE username = $1", std::string(user));
    tx.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

}  // namespace xmpp::storage_pg

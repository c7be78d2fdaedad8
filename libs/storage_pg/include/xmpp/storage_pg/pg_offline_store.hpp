#pragma once
// OfflineStore on PostgreSQL (table roster_offline, migrations in deploy/sql/migrations/roster;
// see rosterMigrations() in pg_roster_store.hpp).
//
// store() counts and inserts in one transaction under a per-user transaction-scoped advisory
// lock, so concurrent stores never exceed the quota. Ids come from the table's bigserial. Stamps
// are kept to the microsecond (timestamptz): finer parts of the time_point are truncated.

#include "xmpp/storage/offline_store.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::storage_pg {

class PgOfflineStore final : public storage::OfflineStore {
 public:
  explicit PgOfflineStore(PgPool& pool) : pool_(pool) {}

  Expected<storage::OfflinePut, storage::StoreError> store(std::string_view user,
                                                           const storage::StoredMessage& message,
                                                           std::size_t maxPerUser) override;
  Expected<std::vector<storage::StoredMessage>, storage::StoreError> fetchPage(
      std::string_view user, const storage::OfflinePage& page) override;
  Expected<std::size_t, storage::StoreError> ack(std::string_view user,
                                                 const std::vector<std::int64_t>& ids) override;
  Expected<std::size_t, storage::StoreError> count(std::string_view user) override;
  Expected<std::size_t, storage::StoreError> removeUser(std::string_view user) override;

 private:
  PgPool& pool_;
};

}  // namespace xmpp::storage_pg

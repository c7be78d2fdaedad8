#pragma once
// LastActivityStore on PostgreSQL (table roster_last_activity; deploy/sql/migrations/roster).

#include "xmpp/storage/last_activity_store.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::storage_pg {

class PgLastActivityStore final : public storage::LastActivityStore {
 public:
  explicit PgLastActivityStore(PgPool& pool) : pool_(pool) {}
  Expected<storage::LastActivity, storage::StoreError> get(std::string_view user) override;
  storage::StoreStatus set(std::string_view user, const storage::LastActivity& last) override;
  Expected<std::size_t, storage::StoreError> removeUser(std::string_view user) override;

 private:
  PgPool& pool_;
};

}  // namespace xmpp::storage_pg

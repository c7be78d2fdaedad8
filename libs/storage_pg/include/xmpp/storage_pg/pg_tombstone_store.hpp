#pragma once
// TombstoneStore on PostgreSQL (table auth_tombstones; deploy/sql/migrations/auth).

#include "xmpp/storage/tombstone_store.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::storage_pg {

class PgTombstoneStore final : public storage::TombstoneStore {
 public:
  explicit PgTombstoneStore(PgPool& pool) : pool_(pool) {}
  Expected<std::optional<std::chrono::system_clock::time_point>, storage::StoreError> removedAt(
      std::string_view username) override;
  storage::StoreStatus put(std::string_view username,
                           std::chrono::system_clock::time_point at) override;

 private:
  PgPool& pool_;
};

}  // namespace xmpp::storage_pg

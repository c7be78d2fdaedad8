#pragma once
// BlockListStore on PostgreSQL (table roster_blocklist; deploy/sql/migrations/roster).

#include "xmpp/storage/blocklist_store.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::storage_pg {

class PgBlockListStore final : public storage::BlockListStore {
 public:
  explicit PgBlockListStore(PgPool& pool) : pool_(pool) {}
  Expected<std::vector<std::string>, storage::StoreError> list(std::string_view user) override;
  storage::StoreStatus block(std::string_view user, const std::vector<std::string>& jids) override;
  storage::StoreStatus unblock(std::string_view user,
                               const std::vector<std::string>& jids) override;
  Expected<std::size_t, storage::StoreError> removeUser(std::string_view user) override;

 private:
  PgPool& pool_;
};

}  // namespace xmpp::storage_pg

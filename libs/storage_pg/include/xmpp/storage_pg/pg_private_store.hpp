#pragma once
// PrivateStore on PostgreSQL (table roster_private; deploy/sql/migrations/roster).

#include "xmpp/storage/private_store.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::storage_pg {

class PgPrivateStore final : public storage::PrivateStore {
 public:
  explicit PgPrivateStore(PgPool& pool) : pool_(pool) {}

  Expected<std::string, storage::StoreError> get(std::string_view user, std::string_view ns,
                                                 std::string_view name) override;
  storage::StoreStatus set(std::string_view user, std::string_view ns, std::string_view name,
                           std::string_view elementBytes) override;
  Expected<std::size_t, storage::StoreError> count(std::string_view user) override;
  Expected<std::size_t, storage::StoreError> removeUser(std::string_view user) override;

 private:
  PgPool& pool_;
};

}  // namespace xmpp::storage_pg

#pragma once
// VcardStore on PostgreSQL (table roster_vcards, bytea; migrations in
// deploy/sql/migrations/roster, see rosterMigrations() in pg_roster_store.hpp).

#include "xmpp/storage/vcard_store.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::storage_pg {

class PgVcardStore final : public storage::VcardStore {
 public:
  explicit PgVcardStore(PgPool& pool) : pool_(pool) {}

  Expected<std::string, storage::StoreError> get(std::string_view user) override;
  storage::StoreStatus set(std::string_view user, std::string_view elementBytes) override;
  Expected<std::size_t, storage::StoreError> removeUser(std::string_view user) override;

 private:
  PgPool& pool_;
};

}  // namespace xmpp::storage_pg

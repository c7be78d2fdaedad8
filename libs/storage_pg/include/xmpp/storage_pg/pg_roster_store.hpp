#pragma once
// RosterStore on PostgreSQL (tables roster_versions and roster_items, migrations in
// deploy/sql/migrations/roster, shared with PgOfflineStore and PgVcardStore).
//
// Versions come from the global sequence roster_version_seq, taken while the user's
// roster_versions row is locked: strictly increasing per user, never reused by a re-created
// account, not contiguous. updateItem is one READ COMMITTED transaction: upsert + lock the
// version row, read (and lock) the item, run the mutator, write or delete the item and bump the
// version only when it changed (otherwise the transaction is rolled back, leaving no trace).

#include "xmpp/storage/roster_store.hpp"
#include "xmpp/storage_pg/migrations.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::storage_pg {

/// The userdata service's schema (embedded from deploy/sql/migrations/roster): rosters, offline
/// messages and vCards.
std::vector<Migration> rosterMigrations();

class PgRosterStore final : public storage::RosterStore {
 public:
  explicit PgRosterStore(PgPool& pool) : pool_(pool) {}

  Expected<storage::Roster, storage::StoreError> getRoster(std::string_view user) override;
  Expected<storage::RosterItem, storage::StoreError> getItem(std::string_view user,
                                                             std::string_view contact) override;
  Expected<storage::ItemUpdate, storage::StoreError> updateItem(
      std::string_view user, std::string_view contact, const storage::ItemMutator& mutate) override;
  Expected<std::vector<storage::RosterItem>, storage::StoreError> itemsWithPendingIn(
      std::string_view user) override;
  Expected<std::size_t, storage::StoreError> countItems(std::string_view user) override;
  Expected<std::size_t, storage::StoreError> removeUser(std::string_view user) override;

 private:
  PgPool& pool_;
};

}  // namespace xmpp::storage_pg

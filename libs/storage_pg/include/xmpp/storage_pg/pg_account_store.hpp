#pragma once
// AccountStore on PostgreSQL (table auth_accounts, migrations in deploy/sql/migrations/auth).

#include "xmpp/storage/account_store.hpp"
#include "xmpp/storage_pg/migrations.hpp"
#include "xmpp/storage_pg/pool.hpp"

namespace xmpp::storage_pg {

/// The auth service's schema (embedded from deploy/sql/migrations/auth).
std::vector<Migration> authMigrations();

class PgAccountStore final : public storage::AccountStore {
 public:
  explicit PgAccountStore(PgPool& pool) : pool_(pool) {}

  storage::StoreStatus create(const storage::Account& account) override;
  Expected<storage::Account, storage::StoreError> get(std::string_view username) override;
  storage::StoreStatus updateCredentials(std::string_view username,
                                         const storage::ScramCredential& sha1,
                                         const storage::ScramCredential& sha256,
                                         const std::optional<std::string>& plaintext) override;
  storage::StoreStatus remove(std::string_view username) override;
  Expected<std::vector<std::string>, storage::StoreError> list(
      storage::ListOptions options) override;
  Expected<bool, storage::StoreError> exists(std::string_view username) override;

 private:
  PgPool& pool_;
};

}  // namespace xmpp::storage_pg

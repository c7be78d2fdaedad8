#pragma once
// Shared set-up of the roster stores' db tests: PgRosterStore, PgOfflineStore and PgVcardStore
// against a real PostgreSQL started for the test suite (label: db). The contract is the one of the
// in-memory fakes (services/userdata/tests/in_memory_stores_test.cpp), except that roster versions
// come from a global sequence: strictly increasing per user, never reused, not contiguous.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "xmpp/storage_pg/migrations.hpp"
#include "xmpp/storage_pg/pg_offline_store.hpp"
#include "xmpp/storage_pg/pg_roster_store.hpp"
#include "xmpp/storage_pg/pg_vcard_store.hpp"
#include "xmpp/storage_pg/pool.hpp"
#include "xmpp/testing/test_postgres.hpp"

namespace xmpp::storage_pg::testing_support {

using storage::ItemMutator;
using storage::OfflinePut;
using storage::RosterItem;
using storage::RosterVersion;
using storage::StoredMessage;
using storage::StoreError;
using storage::Subscription;

inline ItemMutator setName(std::string name) {
  return [name](const std::optional<RosterItem>& current) -> std::optional<RosterItem> {
    RosterItem next = current.value_or(RosterItem{});
    next.name = name;
    return next;
  };
}

inline ItemMutator setWhole(RosterItem item) {
  return [item](const std::optional<RosterItem>&) -> std::optional<RosterItem> { return item; };
}

inline ItemMutator erase() {
  return [](const std::optional<RosterItem>&) -> std::optional<RosterItem> { return std::nullopt; };
}

inline std::chrono::system_clock::time_point micros(std::int64_t us) {
  return std::chrono::system_clock::time_point(std::chrono::microseconds(us));
}

class RosterStoresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg_ = new testing::TestPostgres();
    pqxx::connection c(pg_->connectionString());
    migrationsApplied_ = applyMigrations(c, "roster", rosterMigrations());
  }
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }

  void SetUp() override {
    pool_ = std::make_unique<PgPool>(
        PoolOptions{.connectionString = pg_->connectionString(), .size = 8});
    rosters_ = std::make_unique<PgRosterStore>(*pool_);
    offline_ = std::make_unique<PgOfflineStore>(*pool_);
    vcards_ = std::make_unique<PgVcardStore>(*pool_);
  }

  // Rows of roster_versions for `user` (0 or 1): checks that no-ops leave no trace.
  std::size_t versionRows(const std::string& user) {
    pqxx::connection c(pg_->connectionString());
    pqxx::read_transaction tx(c);
    return tx.exec_params1("SELECT count(*) FROM roster_versions WHERE username = $1", user)[0]
        .as<std::size_t>();
  }

  inline static testing::TestPostgres* pg_ = nullptr;
  inline static int migrationsApplied_ = 0;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgRosterStore> rosters_;
  std::unique_ptr<PgOfflineStore> offline_;
  std::unique_ptr<PgVcardStore> vcards_;
};

}  // namespace xmpp::storage_pg::testing_support

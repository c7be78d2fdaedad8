// PgPrivateStore against a real PostgreSQL started for the test (label: db): the contract of
// InMemoryPrivateStore, and per-user removal.

#include <gtest/gtest.h>

#include "xmpp/storage_pg/migrations.hpp"
#include "xmpp/storage_pg/pg_private_store.hpp"
#include "xmpp/storage_pg/pg_roster_store.hpp"
#include "xmpp/storage_pg/pool.hpp"
#include "xmpp/testing/test_postgres.hpp"

namespace xmpp::storage_pg {
namespace {

using storage::StoreError;

TEST(PgPrivateStore, StoresReplacesCountsAndRemovesPerUser) {
  testing::TestPostgres pg;
  {
    pqxx::connection c(pg.connectionString());
    applyMigrations(c, "roster", rosterMigrations());
  }
  PgPool pool(PoolOptions{.connectionString = pg.connectionString(), .size = 2});
  PgPrivateStore store(pool);

  auto missing = store.get("a@x", "storage:bookmarks", "storage");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), StoreError::kNotFound);

  const std::string binary("\0\x01\xff bytes", 9);
  ASSERT_TRUE(store.set("a@x", "storage:bookmarks", "storage", binary));
  ASSERT_TRUE(store.set("a@x", "storage:rosternotes", "storage", "notes"));
  ASSERT_TRUE(store.set("b@x", "storage:bookmarks", "storage", "bob's"));
  EXPECT_EQ(*store.get("a@x", "storage:bookmarks", "storage"), binary);
  ASSERT_TRUE(store.set("a@x", "storage:bookmarks", "storage", "v2"));
  EXPECT_EQ(*store.get("a@x", "storage:bookmarks", "storage"), "v2");
  EXPECT_EQ(*store.count("a@x"), 2u);
  // Names and namespaces are distinct keys, compared byte for byte.
  EXPECT_FALSE(store.get("a@x", "storage:bookmarks", "Storage"));
  EXPECT_FALSE(store.get("A@x", "storage:bookmarks", "storage"));

  EXPECT_EQ(*store.removeUser("a@x"), 2u);
  EXPECT_EQ(*store.count("a@x"), 0u);
  EXPECT_EQ(*store.get("b@x", "storage:bookmarks", "storage"), "bob's");
}

}  // namespace
}  // namespace xmpp::storage_pg

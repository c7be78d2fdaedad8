// Against a real PostgreSQL started for the test (label: db).

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "xmpp/storage_pg/migrations.hpp"
#include "xmpp/storage_pg/pool.hpp"
#include "xmpp/testing/test_postgres.hpp"

namespace xmpp::storage_pg {
namespace {

using storage::StoreError;

class PoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pg_ = new testing::TestPostgres(); }
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }
  static testing::TestPostgres* pg_;
};
testing::TestPostgres* PoolTest::pg_ = nullptr;

TEST_F(PoolTest, RunsQueriesAndMapsErrors) {
  PgPool pool({.connectionString = pg_->connectionString(), .size = 2});
  auto r = pool.run([](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec("CREATE TABLE IF NOT EXISTS t (k text PRIMARY KEY)");
    tx.exec("INSERT INTO t VALUES ('a') ON CONFLICT DO NOTHING");
    tx.commit();
    return 1;
  });
  ASSERT_TRUE(r);
  auto dup = pool.run([](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec("INSERT INTO t VALUES ('a')");
    tx.commit();
    return 1;
  });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), StoreError::kConflict);
  auto bad = pool.run([](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec("SELECT * FROM no_such_table");
    return 1;
  });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), StoreError::kInternal);
  EXPECT_TRUE(pool.healthy());
}

TEST_F(PoolTest, ExpectedResultsPassThrough) {
  PgPool pool({.connectionString = pg_->connectionString(), .size = 1});
  auto r = pool.run([](pqxx::connection&) -> Expected<int, StoreError> {
    return unexpected(StoreError::kNotFound);
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), StoreError::kNotFound);
}

TEST_F(PoolTest, FailsFastWhileDownAndHealsAfterRestart) {
  std::vector<std::string> errors;
  std::mutex mu;
  PgPool pool(
      {.connectionString = pg_->connectionString(), .size = 2, .onError = [&](std::string_view k) {
         std::lock_guard l(mu);
         errors.emplace_back(k);
       }});
  ASSERT_TRUE(pool.healthy());
  auto insert = [&](const std::string& v) {
    return pool.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec("CREATE TABLE IF NOT EXISTS kept (v text)");
      tx.exec_params("INSERT INTO kept VALUES ($1)", v);
      tx.commit();
      return true;
    });
  };
  ASSERT_TRUE(insert("committed-before-stop"));

  pg_->stop();
  auto start = std::chrono::steady_clock::now();
  auto down = insert("while-down");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error(), StoreError::kUnavailable);
  EXPECT_FALSE(pool.healthy());
  // Fail fast: connection refused, not a hang (generous bound, not a timing assertion on
  // performance: the alternative failure mode is blocking forever).
  EXPECT_LT(elapsed, std::chrono::seconds(10));

  pg_->start();
  // The pool reconnects by itself: poll with a deadline.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!pool.healthy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(pool.healthy());
  ASSERT_TRUE(insert("after-restart"));
  auto rows = pool.run([](pqxx::connection& c) {
    pqxx::work tx(c);
    auto res = tx.exec("SELECT v FROM kept ORDER BY v");
    std::vector<std::string> out;
    for (const auto& row : res) out.push_back(row[0].as<std::string>());
    return out;
  });
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, (std::vector<std::string>{"after-restart", "committed-before-stop"}));
  std::lock_guard l(mu);
  EXPECT_FALSE(errors.empty());
}

TEST_F(PoolTest, MigrationsApplyOnceEvenConcurrently) {
  std::vector<Migration> ms = {
      {1, "create", "CREATE TABLE mig_a (id int)"},
      {2, "alter", "ALTER TABLE mig_a ADD COLUMN name text"},
  };
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      pqxx::connection c(pg_->connectionString());
      total += applyMigrations(c, "test", ms);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(total.load(), 2);
  pqxx::connection c(pg_->connectionString());
  EXPECT_EQ(applyMigrations(c, "test", ms), 0);
  ms.push_back({3, "more", "ALTER TABLE mig_a ADD COLUMN x int"});
  EXPECT_EQ(applyMigrations(c, "test", ms), 1);
}

}  // namespace
}  // namespace xmpp::storage_pg

#include "xmpp/storage/in_memory_account_store.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace xmpp::storage {
namespace {

Account account(std::string name) {
  Account a;
  a.username = std::move(name);
  a.sha1 = {4096, "s1", "k1", "v1"};
  a.sha256 = {4096, "s2", "k2", "v2"};
  return a;
}

TEST(InMemoryAccountStoreTest, CreateGetConflict) {
  InMemoryAccountStore store;
  ASSERT_TRUE(store.create(account("alice")));
  auto dup = store.create(account("alice"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), StoreError::kConflict);
  auto got = store.get("alice");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, account("alice"));
  auto missing = store.get("bob");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), StoreError::kNotFound);
  EXPECT_EQ(store.exists("alice").value(), true);
  EXPECT_EQ(store.exists("bob").value(), false);
}

TEST(InMemoryAccountStoreTest, UpdateAndRemove) {
  InMemoryAccountStore store;
  ASSERT_TRUE(store.create(account("alice")));
  const ScramCredential c1{5000, "a", "b", "c"}, c2{6000, "d", "e", "f"};
  ASSERT_TRUE(store.updateCredentials("alice", c1, c2, std::string("pw")));
  auto got = store.get("alice");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->sha1, c1);
  EXPECT_EQ(got->sha256, c2);
  EXPECT_EQ(got->plaintext, "pw");
  ASSERT_TRUE(store.updateCredentials("alice", c1, c2, std::nullopt));
  EXPECT_FALSE(store.get("alice")->plaintext);
  EXPECT_EQ(store.updateCredentials("bob", c1, c2, std::nullopt).error(), StoreError::kNotFound);
  ASSERT_TRUE(store.remove("alice"));
  EXPECT_EQ(store.remove("alice").error(), StoreError::kNotFound);
  EXPECT_EQ(store.get("alice").error(), StoreError::kNotFound);
}

TEST(InMemoryAccountStoreTest, ListIsSortedAndPaged) {
  InMemoryAccountStore store;
  for (const char* n : {"dave", "alice", "carol", "bob"}) ASSERT_TRUE(store.create(account(n)));
  using V = std::vector<std::string>;
  EXPECT_EQ(store.list().value(), (V{"alice", "bob", "carol", "dave"}));
  EXPECT_EQ(store.list({2, 0}).value(), (V{"alice", "bob"}));
  EXPECT_EQ(store.list({2, 3}).value(), (V{"dave"}));
  EXPECT_EQ(store.list({std::nullopt, 1}).value(), (V{"bob", "carol", "dave"}));
  EXPECT_EQ(store.list({0, 0}).value(), V{});
  EXPECT_EQ(store.list({5, 10}).value(), V{});
}

TEST(InMemoryAccountStoreTest, UnavailableEverywhere) {
  InMemoryAccountStore store;
  store.setUnavailable(true);
  EXPECT_EQ(store.create(account("a")).error(), StoreError::kUnavailable);
  EXPECT_EQ(store.get("a").error(), StoreError::kUnavailable);
  EXPECT_EQ(store.updateCredentials("a", {}, {}, std::nullopt).error(), StoreError::kUnavailable);
  EXPECT_EQ(store.remove("a").error(), StoreError::kUnavailable);
  EXPECT_EQ(store.list().error(), StoreError::kUnavailable);
  EXPECT_EQ(store.exists("a").error(), StoreError::kUnavailable);
}

TEST(InMemoryAccountStoreTest, ConcurrentCreatesOfOneNameHaveOneWinner) {
  InMemoryAccountStore store;
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (store.create(account("race"))) ++wins;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
}

}  // namespace
}  // namespace xmpp::storage

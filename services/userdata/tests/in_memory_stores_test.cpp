// Contract tests of the in-memory stores (the PostgreSQL stores must behave the same).

#include <gtest/gtest.h>

#include "xmpp/storage/in_memory_offline_store.hpp"
#include "xmpp/storage/in_memory_roster_store.hpp"
#include "xmpp/storage/in_memory_vcard_store.hpp"

namespace xmpp::storage {
namespace {

ItemMutator setName(std::string name) {
  return [name](const std::optional<RosterItem>& current) -> std::optional<RosterItem> {
    RosterItem next = current.value_or(RosterItem{});
    next.name = name;
    return next;
  };
}

TEST(InMemoryRosterStore, UpdateItemBumpsOnlyOnChange) {
  InMemoryRosterStore store;
  auto created = store.updateItem("u@x", "c@x", setName("n"));
  ASSERT_TRUE(created);
  EXPECT_FALSE(created->before);
  ASSERT_TRUE(created->after);
  EXPECT_EQ(created->after->contact, "c@x");  // forced to the key
  EXPECT_TRUE(created->changed);
  EXPECT_EQ(created->version, 1);

  auto same = store.updateItem("u@x", "c@x", setName("n"));
  ASSERT_TRUE(same);
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, 1);
  EXPECT_EQ(same->before, same->after);

  auto removed = store.updateItem("u@x", "c@x", [](const auto&) { return std::nullopt; });
  ASSERT_TRUE(removed);
  EXPECT_TRUE(removed->changed);
  EXPECT_FALSE(removed->after);
  EXPECT_EQ(removed->version, 2);
  EXPECT_EQ(store.getItem("u@x", "c@x").error(), StoreError::kNotFound);

  // Deleting what does not exist changes nothing and creates no user.
  auto nothing = store.updateItem("v@x", "c@x", [](const auto&) { return std::nullopt; });
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(nothing->changed);
  EXPECT_EQ(nothing->version, 0);
  EXPECT_EQ(store.userCount(), 1u);

  // The version survives the roster becoming empty.
  EXPECT_EQ(store.getRoster("u@x")->version, 2);
  EXPECT_EQ(store.removeUser("u@x").value(), 0u);
  EXPECT_EQ(store.getRoster("u@x")->version, 0);
  EXPECT_EQ(store.userCount(), 0u);
}

TEST(InMemoryRosterStore, PendingInAndCount) {
  InMemoryRosterStore store;
  ASSERT_TRUE(store.updateItem("u@x", "b@x", [](const auto&) {
    RosterItem item;
    item.pendingIn = true;
    item.pendingInStanza = "bytes";
    return std::optional<RosterItem>(item);
  }));
  ASSERT_TRUE(store.updateItem("u@x", "a@x", setName("a")));
  auto pending = store.itemsWithPendingIn("u@x");
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].contact, "b@x");
  EXPECT_EQ((*pending)[0].pendingInStanza, "bytes");
  EXPECT_EQ(store.countItems("u@x").value(), 2u);
  auto roster = store.getRoster("u@x");
  ASSERT_TRUE(roster);
  ASSERT_EQ(roster->items.size(), 2u);
  EXPECT_EQ(roster->items[0].contact, "a@x");  // ascending
  EXPECT_EQ(store.removeUser("u@x").value(), 2u);
}

TEST(InMemoryRosterStore, Unavailable) {
  InMemoryRosterStore store;
  store.setUnavailable(true);
  EXPECT_EQ(store.getRoster("u@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(store.updateItem("u@x", "c@x", setName("n")).error(), StoreError::kUnavailable);
}

TEST(InMemoryOfflineStore, IdsQuotaFetchAck) {
  InMemoryOfflineStore store;
  StoredMessage m;
  m.stanzaBytes = "a";
  m.id = 42;  // ignored
  auto first = store.store("u@x", m, 2);
  auto second = store.store("v@x", m, 2);
  auto third = store.store("u@x", m, 2);
  ASSERT_TRUE(first && second && third);
  EXPECT_TRUE(first->stored());
  EXPECT_LT(first->id, second->id);  // unique across users
  EXPECT_LT(second->id, third->id);
  auto full = store.store("u@x", m, 2);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, OfflinePut::Status::kQuotaFull);
  EXPECT_EQ(full->id, 0);
  EXPECT_EQ(store.store("w@x", m, 0)->status, OfflinePut::Status::kQuotaFull);

  auto fetched = store.fetch("u@x", 10);
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->size(), 2u);
  EXPECT_EQ((*fetched)[0].id, first->id);
  EXPECT_EQ(store.fetch("u@x", 1)->size(), 1u);
  EXPECT_EQ(store.count("u@x").value(), 2u);
  EXPECT_EQ(store.ack("u@x", {first->id, second->id, 999}).value(), 1u);  // v's id skipped
  EXPECT_EQ(store.count("v@x").value(), 1u);
  EXPECT_EQ(store.removeUser("u@x").value(), 1u);
  EXPECT_EQ(store.removeUser("u@x").value(), 0u);
  EXPECT_EQ(store.userCount(), 1u);
}

TEST(InMemoryVcardStore, GetSetRemove) {
  InMemoryVcardStore store;
  EXPECT_EQ(store.get("u@x").error(), StoreError::kNotFound);
  ASSERT_TRUE(store.set("u@x", "one"));
  ASSERT_TRUE(store.set("u@x", "two"));
  EXPECT_EQ(store.get("u@x").value(), "two");
  EXPECT_EQ(store.removeUser("u@x").value(), 1u);
  EXPECT_EQ(store.removeUser("u@x").value(), 0u);
  EXPECT_EQ(store.userCount(), 0u);
}

}  // namespace
}  // namespace xmpp::storage

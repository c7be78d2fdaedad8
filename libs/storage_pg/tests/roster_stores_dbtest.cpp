// PgRosterStore against a real PostgreSQL (label: db): items, versions, concurrency. The
// contract is the one of the in-memory fakes (services/userdata/tests/in_memory_stores_test.cpp),
// except that roster versions come from a global sequence: strictly increasing per user, never
// reused, not contiguous.

#include "roster_stores_fixture.hpp"

namespace xmpp::storage_pg {
namespace {

using namespace testing_support;  // the fixture, its helpers and store names

TEST_F(RosterStoresTest, MigrationsApplyOnce) {
  EXPECT_EQ(migrationsApplied_, static_cast<int>(rosterMigrations().size()));
  pqxx::connection c(pg_->connectionString());
  EXPECT_EQ(applyMigrations(c, "roster", rosterMigrations()), 0);
}

TEST_F(RosterStoresTest, UnknownUserHasEmptyRoster) {
  auto roster = rosters_->getRoster("nobody@x");
  ASSERT_TRUE(roster);
  EXPECT_TRUE(roster->items.empty());
  EXPECT_EQ(roster->version, 0);
  EXPECT_EQ(rosters_->getItem("nobody@x", "c@x").error(), StoreError::kNotFound);
  EXPECT_EQ(rosters_->countItems("nobody@x").value(), 0u);
  EXPECT_TRUE(rosters_->itemsWithPendingIn("nobody@x")->empty());
  EXPECT_EQ(rosters_->removeUser("nobody@x").value(), 0u);
}

TEST_F(RosterStoresTest, UpdateItemBumpsOnlyOnChange) {
  auto created = rosters_->updateItem("u1@x", "c@x", setName("n"));
  ASSERT_TRUE(created);
  EXPECT_FALSE(created->before);
  ASSERT_TRUE(created->after);
  EXPECT_EQ(created->after->contact, "c@x");  // forced to the key
  EXPECT_EQ(created->after->name, "n");
  EXPECT_TRUE(created->changed);
  EXPECT_GT(created->version, 0);
  EXPECT_EQ(rosters_->getRoster("u1@x")->version, created->version);

  auto same = rosters_->updateItem("u1@x", "c@x", setName("n"));
  ASSERT_TRUE(same);
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, created->version);
  EXPECT_EQ(same->before, same->after);
  EXPECT_EQ(rosters_->getRoster("u1@x")->version, created->version);

  // The mutator's contact is overridden by the key.
  auto renamed = rosters_->updateItem("u1@x", "c@x", [](const std::optional<RosterItem>& cur) {
    RosterItem next = *cur;
    next.contact = "other@x";
    next.name = "m";
    return std::optional<RosterItem>(next);
  });
  ASSERT_TRUE(renamed);
  EXPECT_TRUE(renamed->changed);
  EXPECT_EQ(renamed->after->contact, "c@x");
  EXPECT_EQ(renamed->before->name, "n");
  EXPECT_GT(renamed->version, created->version);
  EXPECT_EQ(rosters_->getItem("u1@x", "other@x").error(), StoreError::kNotFound);
  EXPECT_EQ(rosters_->getItem("u1@x", "c@x")->name, "m");

  auto removed = rosters_->updateItem("u1@x", "c@x", erase());
  ASSERT_TRUE(removed);
  EXPECT_TRUE(removed->changed);
  ASSERT_TRUE(removed->before);
  EXPECT_EQ(removed->before->name, "m");
  EXPECT_FALSE(removed->after);
  EXPECT_GT(removed->version, renamed->version);
  EXPECT_EQ(rosters_->getItem("u1@x", "c@x").error(), StoreError::kNotFound);

  // Deleting what does not exist changes nothing and creates no user.
  auto nothing = rosters_->updateItem("v1@x", "c@x", erase());
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(nothing->changed);
  EXPECT_FALSE(nothing->before);
  EXPECT_FALSE(nothing->after);
  EXPECT_EQ(nothing->version, 0);
  EXPECT_EQ(versionRows("v1@x"), 0u);
  EXPECT_EQ(rosters_->getRoster("v1@x")->version, 0);

  // The version survives the roster becoming empty.
  auto roster = rosters_->getRoster("u1@x");
  ASSERT_TRUE(roster);
  EXPECT_TRUE(roster->items.empty());
  EXPECT_EQ(roster->version, removed->version);
  EXPECT_EQ(rosters_->removeUser("u1@x").value(), 0u);
  EXPECT_EQ(rosters_->getRoster("u1@x")->version, 0);
  EXPECT_EQ(versionRows("u1@x"), 0u);

  // A re-created roster never reuses an old version.
  auto again = rosters_->updateItem("u1@x", "c@x", setName("n"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->changed);
  EXPECT_FALSE(again->before);
  EXPECT_GT(again->version, removed->version);
}

TEST_F(RosterStoresTest, EveryFieldRoundTrips) {
  RosterItem item;
  item.contact = "ignored@x";
  item.name = "Jüliet \"the\" {Capulet}, ☃ 日本";
  item.groups = {"plain",
                 "with,comma",
                 "with \"quotes\"",
                 "{braces}",
                 "back\\slash",
                 "NULL",
                 "",
                 "  spaced  ",
                 "semi;colon 'single'",
                 "Ünïcödé 日本語 🎭",
                 "plain"};  // order and duplicates are kept
  item.subscription = Subscription::kBoth;
  item.askOut = true;
  item.pendingIn = true;
  item.pendingInStanza = std::string("\0\x01\xff\xfe binary \\x00 '", 17);
  item.approved = true;
  item.hidden = true;
  auto r = rosters_->updateItem("u2@x", "romeo@x", setWhole(item));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->changed);
  item.contact = "romeo@x";
  EXPECT_EQ(*r->after, item);

  auto got = rosters_->getItem("u2@x", "romeo@x");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, item);
  EXPECT_EQ(got->groups, item.groups);
  EXPECT_EQ(got->pendingInStanza.size(), 17u);

  // Reading it back and writing the same item again is a no-op: the round trip is exact.
  auto same = rosters_->updateItem("u2@x", "romeo@x", setWhole(item));
  ASSERT_TRUE(same);
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, r->version);
  EXPECT_EQ(*same->before, item);

  for (Subscription s :
       {Subscription::kNone, Subscription::kTo, Subscription::kFrom, Subscription::kBoth}) {
    RosterItem other;
    other.subscription = s;
    other.groups = {};
    ASSERT_TRUE(rosters_->updateItem("u2@x", "s" + std::to_string(static_cast<int>(s)) + "@x",
                                     setWhole(other)));
  }
  auto roster = rosters_->getRoster("u2@x");
  ASSERT_TRUE(roster);
  ASSERT_EQ(roster->items.size(), 5u);
  EXPECT_EQ(roster->items[0], item);  // "romeo@x" < "s0@x"
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(roster->items[static_cast<std::size_t>(i) + 1].subscription,
              static_cast<Subscription>(i));
    EXPECT_TRUE(roster->items[static_cast<std::size_t>(i) + 1].groups.empty());
  }
}

TEST_F(RosterStoresTest, PendingInHiddenCountAndByteOrder) {
  ASSERT_TRUE(rosters_->updateItem("u3@x", "b@x", [](const auto&) {
    RosterItem item;
    item.pendingIn = true;
    item.pendingInStanza = "bytes";
    item.hidden = true;
    return std::optional<RosterItem>(item);
  }));
  ASSERT_TRUE(rosters_->updateItem("u3@x", "a@x", setName("a")));
  ASSERT_TRUE(rosters_->updateItem("u3@x", "B@x", setName("B")));  // 'B' < 'a' bytewise
  ASSERT_TRUE(rosters_->updateItem("u3@x", "\xc3\xa9@x", [](const auto&) {
    RosterItem item;
    item.pendingIn = true;
    return std::optional<RosterItem>(item);
  }));
  ASSERT_TRUE(rosters_->updateItem("other@x", "c@x", [](const auto&) {
    RosterItem item;
    item.pendingIn = true;
    return std::optional<RosterItem>(item);
  }));

  auto pending = rosters_->itemsWithPendingIn("u3@x");
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].contact, "b@x");
  EXPECT_EQ((*pending)[0].pendingInStanza, "bytes");
  EXPECT_TRUE((*pending)[0].hidden);
  EXPECT_EQ((*pending)[1].contact, "\xc3\xa9@x");
  EXPECT_EQ(rosters_->countItems("u3@x").value(), 4u);  // hidden included

  auto roster = rosters_->getRoster("u3@x");
  ASSERT_TRUE(roster);
  ASSERT_EQ(roster->items.size(), 4u);
  EXPECT_EQ(roster->items[0].contact, "B@x");  // ascending byte order
  EXPECT_EQ(roster->items[1].contact, "a@x");
  EXPECT_EQ(roster->items[2].contact, "b@x");
  EXPECT_TRUE(roster->items[2].hidden);
  EXPECT_EQ(roster->items[3].contact, "\xc3\xa9@x");

  // Keys are compared byte for byte: no case folding.
  EXPECT_EQ(rosters_->getItem("U3@x", "a@x").error(), StoreError::kNotFound);
  EXPECT_EQ(rosters_->getItem("u3@x", "A@x").error(), StoreError::kNotFound);

  EXPECT_EQ(rosters_->removeUser("u3@x").value(), 4u);
  EXPECT_EQ(rosters_->removeUser("u3@x").value(), 0u);
  EXPECT_EQ(rosters_->countItems("u3@x").value(), 0u);
  EXPECT_EQ(rosters_->countItems("other@x").value(), 1u);  // other users untouched
}

TEST_F(RosterStoresTest, ConcurrentUpdatesOnOneItem) {
  constexpr int kRounds = 500;
  const std::string user = "juliet@x";
  const std::string contact = "romeo@x";
  RosterItem start;
  start.name = "start";
  start.groups = {"start"};
  auto first = rosters_->updateItem(user, contact, setWhole(start));
  ASSERT_TRUE(first);
  const RosterVersion startVersion = first->version;

  RosterItem a;
  a.contact = contact;
  a.name = "A";
  a.groups = {"Montague", "Verona"};
  a.subscription = Subscription::kTo;
  RosterItem b;
  b.contact = contact;
  b.name = "B";
  b.groups = {"Capulet"};
  b.askOut = true;
  start.contact = contact;

  std::atomic<int> changes{0};
  std::atomic<int> failures{0};
  std::mutex mu;
  // Every effective change as the store reported it, to check afterwards that the changes
  // form one serial history (no lost update).
  struct Change {
    RosterVersion version;
    RosterItem before;
    RosterItem after;
  };
  std::vector<Change> history;
  auto writer = [&](const RosterItem& mine) {
    // Each writer sets its own whole item, from a mutator that reads the current item.
    auto mutate = [&mine](const std::optional<RosterItem>& current) -> std::optional<RosterItem> {
      RosterItem next = current.value_or(RosterItem{});
      next.name = mine.name;
      next.groups = mine.groups;
      next.subscription = mine.subscription;
      next.askOut = mine.askOut;
      return next;
    };
    RosterVersion last = 0;
    for (int i = 0; i < kRounds; ++i) {
      auto r = rosters_->updateItem(user, contact, mutate);
      if (!r) {
        ++failures;
        continue;
      }
      const bool beforeWhole =
          r->before && (*r->before == a || *r->before == b || *r->before == start);
      if (!beforeWhole || !r->after || *r->after != mine) ++failures;
      if (r->changed != (*r->before != *r->after)) ++failures;
      if (r->version < last) ++failures;  // never goes back
      last = r->version;
      if (r->changed) {
        ++changes;
        std::lock_guard lock(mu);
        history.push_back({r->version, *r->before, *r->after});
      }
    }
  };
  std::thread ta(writer, std::cref(a));
  std::thread tb(writer, std::cref(b));
  ta.join();
  tb.join();

  EXPECT_EQ(failures.load(), 0);
  ASSERT_GE(changes.load(), 1);
  // Ordered by version, each change starts from the item the previous one wrote: the updates
  // were serialized, none worked on a stale item.
  std::sort(history.begin(), history.end(),
            [](const Change& l, const Change& r) { return l.version < r.version; });
  EXPECT_GT(history.front().version, startVersion);
  EXPECT_EQ(history.front().before, start);
  int brokenLinks = 0;
  for (std::size_t i = 1; i < history.size(); ++i) {
    if (history[i].version == history[i - 1].version) ++brokenLinks;  // one version per change
    if (history[i].before != history[i - 1].after) ++brokenLinks;
  }
  EXPECT_EQ(brokenLinks, 0);
  // As nothing else draws from the sequence meanwhile, the version increased by exactly the
  // number of effective changes.
  auto roster = rosters_->getRoster(user);
  ASSERT_TRUE(roster);
  EXPECT_EQ(roster->version, startVersion + changes.load());
  EXPECT_EQ(roster->version, history.back().version);
  ASSERT_EQ(roster->items.size(), 1u);
  const RosterItem& final = roster->items[0];
  EXPECT_TRUE(final == a || final == b) << final.name;
  EXPECT_EQ(final, history.back().after);
}

TEST_F(RosterStoresTest, ConcurrentIncrementsLoseNothing) {
  // Read-modify-write from two threads: a counter kept in the name must count every call.
  constexpr int kRounds = 300;
  const auto increment = [](const std::optional<RosterItem>& current) {
    RosterItem next = current.value_or(RosterItem{});
    next.name = std::to_string((next.name.empty() ? 0 : std::stoi(next.name)) + 1);
    return std::optional<RosterItem>(next);
  };
  std::atomic<int> failures{0};
  auto worker = [&] {
    for (int i = 0; i < kRounds; ++i) {
      auto r = rosters_->updateItem("counter@x", "c@x", increment);
      if (!r || !r->changed) ++failures;
    }
  };
  std::thread t1(worker);
  std::thread t2(worker);
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(rosters_->getItem("counter@x", "c@x")->name, std::to_string(2 * kRounds));
}

TEST_F(RosterStoresTest, ConcurrentUpdatesAndRemoveUser) {
  // removeUser racing updateItem on a user whose version row comes and goes: no errors, and
  // the end state is consistent (items present iff the last operation was an update).
  constexpr int kRounds = 200;
  std::atomic<int> failures{0};
  std::thread updater([&] {
    for (int i = 0; i < kRounds; ++i) {
      auto r = rosters_->updateItem("racer@x", "c" + std::to_string(i % 3) + "@x",
                                    setName("n" + std::to_string(i)));
      if (!r || !r->changed || r->version <= 0) ++failures;
    }
  });
  std::thread remover([&] {
    for (int i = 0; i < kRounds; ++i) {
      if (!rosters_->removeUser("racer@x")) ++failures;
    }
  });
  updater.join();
  remover.join();
  EXPECT_EQ(failures.load(), 0);
  auto roster = rosters_->getRoster("racer@x");
  ASSERT_TRUE(roster);
  EXPECT_EQ(roster->items.empty(), roster->version == 0);
  ASSERT_TRUE(rosters_->updateItem("racer@x", "c@x", setName("last")));
  EXPECT_GT(rosters_->getRoster("racer@x")->version, 0);
}

}  // namespace
}  // namespace xmpp::storage_pg

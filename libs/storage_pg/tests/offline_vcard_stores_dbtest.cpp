// PgOfflineStore and PgVcardStore against a real PostgreSQL (label: db), and the stores
// through an outage.

#include "roster_stores_fixture.hpp"

namespace xmpp::storage_pg {
namespace {

using namespace testing_support;  // the fixture, its helpers and store names

class OfflineVcardStoresTest : public RosterStoresTest {};

TEST_F(OfflineVcardStoresTest, OfflineIdsQuotaFetchAck) {
  StoredMessage m;
  m.stanzaBytes = std::string("a\0b\xff", 4);
  m.stamp = micros(1'700'000'000'123'456);
  m.id = 42;  // ignored
  auto first = offline_->store("o1@x", m, 2);
  auto second = offline_->store("o2@x", m, 2);
  m.stanzaBytes = "second for o1";
  m.stamp = micros(1'700'000'001'000'001);
  auto third = offline_->store("o1@x", m, 2);
  ASSERT_TRUE(first && second && third);
  EXPECT_TRUE(first->stored());
  EXPECT_TRUE(third->stored());
  EXPECT_LT(first->id, second->id);  // unique across users
  EXPECT_LT(second->id, third->id);
  auto full = offline_->store("o1@x", m, 2);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, OfflinePut::Status::kQuotaFull);
  EXPECT_EQ(full->id, 0);
  EXPECT_FALSE(full->stored());
  EXPECT_EQ(offline_->store("o3@x", m, 0)->status, OfflinePut::Status::kQuotaFull);
  EXPECT_EQ(offline_->count("o3@x").value(), 0u);

  auto fetched = offline_->fetch("o1@x", 10);
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->size(), 2u);
  EXPECT_EQ((*fetched)[0],
            (StoredMessage{first->id, std::string("a\0b\xff", 4), micros(1'700'000'000'123'456)}));
  EXPECT_EQ((*fetched)[1],
            (StoredMessage{third->id, "second for o1", micros(1'700'000'001'000'001)}));
  auto one = offline_->fetch("o1@x", 1);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, first->id);  // oldest first
  EXPECT_TRUE(offline_->fetch("o1@x", 0)->empty());
  EXPECT_EQ(offline_->count("o1@x").value(), 2u);  // fetch deletes nothing

  EXPECT_EQ(offline_->ack("o1@x", {}).value(), 0u);
  EXPECT_EQ(offline_->ack("o1@x", {first->id, second->id, 999999}).value(), 1u);  // o2's skipped
  EXPECT_EQ(offline_->ack("o1@x", {first->id}).value(), 0u);                      // already gone
  EXPECT_EQ(offline_->count("o2@x").value(), 1u);
  EXPECT_EQ(offline_->count("o1@x").value(), 1u);
  EXPECT_TRUE(offline_->store("o1@x", m, 2)->stored());  // room again after the ack
  EXPECT_EQ(offline_->removeUser("o1@x").value(), 2u);
  EXPECT_EQ(offline_->removeUser("o1@x").value(), 0u);
  EXPECT_TRUE(offline_->fetch("o1@x", 10)->empty());
  EXPECT_EQ(offline_->count("o2@x").value(), 1u);
}

// Issue 9 case 5: a page is bounded in bytes (always one message) and continues after an id.
TEST_F(OfflineVcardStoresTest, case5_OfflinePagesAreBoundedInBytesAndContinueAfterAnId) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    StoredMessage m{0, std::string(100, static_cast<char>('a' + i)), micros(1'700'000'000'000'000)};
    ids.push_back(offline_->store("page@x", m, 10)->id);
  }
  auto page = offline_->fetchPage("page@x", {.limit = 10, .maxBytes = 250});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[1].id, ids[1]);
  auto next = offline_->fetchPage("page@x", {.limit = 10, .maxBytes = 250, .afterId = ids[1]});
  ASSERT_EQ(next->size(), 2u);
  EXPECT_EQ((*next)[0].id, ids[2]);
  auto one = offline_->fetchPage("page@x", {.limit = 10, .maxBytes = 10, .afterId = ids[3]});
  ASSERT_EQ(one->size(), 1u) << "one message even above the bound";
  EXPECT_EQ((*one)[0].id, ids[4]);
  EXPECT_TRUE(offline_->fetchPage("page@x", {.limit = 10, .afterId = ids[4]})->empty());
  EXPECT_EQ(offline_->fetchPage("page@x", {.limit = 3})->size(), 3u);
}

TEST_F(OfflineVcardStoresTest, OfflineStampsKeepMicroseconds) {
  StoredMessage m;
  m.stanzaBytes = "x";
  // Before the epoch, and sub-microsecond parts (truncated).
  m.stamp = micros(-86'400'000'001);
  ASSERT_TRUE(offline_->store("stamp@x", m, 10));
  m.stamp = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(1'700'000'000'123'456'789)));
  ASSERT_TRUE(offline_->store("stamp@x", m, 10));
  auto fetched = offline_->fetch("stamp@x", 10);
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->size(), 2u);
  EXPECT_EQ((*fetched)[0].stamp, micros(-86'400'000'001));
  EXPECT_EQ((*fetched)[1].stamp, micros(1'700'000'000'123'456));
}

TEST_F(OfflineVcardStoresTest, ConcurrentOfflineStoresNeverExceedQuota) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  constexpr std::size_t kQuota = 37;
  std::atomic<int> stored{0};
  std::atomic<int> full{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      StoredMessage m;
      m.stanzaBytes = "from " + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        auto r = offline_->store("quota@x", m, kQuota);
        if (!r) {
          ++failures;
        } else if (r->stored()) {
          ++stored;
        } else {
          ++full;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(stored.load(), static_cast<int>(kQuota));
  EXPECT_EQ(full.load(), kThreads * kPerThread - static_cast<int>(kQuota));
  EXPECT_EQ(offline_->count("quota@x").value(), kQuota);
  auto fetched = offline_->fetch("quota@x", 1000);
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->size(), kQuota);
  EXPECT_TRUE(std::is_sorted(fetched->begin(), fetched->end(),
                             [](const auto& l, const auto& r) { return l.id < r.id; }));
}

TEST_F(OfflineVcardStoresTest, VcardGetSetRemove) {
  EXPECT_EQ(vcards_->get("vc@x").error(), StoreError::kNotFound);
  ASSERT_TRUE(vcards_->set("vc@x", "one"));
  const std::string binary("\0two\xff\x80 '\"\\", 10);
  ASSERT_TRUE(vcards_->set("vc@x", binary));
  EXPECT_EQ(vcards_->get("vc@x").value(), binary);
  ASSERT_TRUE(vcards_->set("vc2@x", ""));
  EXPECT_EQ(vcards_->get("vc2@x").value(), "");
  EXPECT_EQ(vcards_->get("VC@x").error(), StoreError::kNotFound);
  EXPECT_EQ(vcards_->removeUser("vc@x").value(), 1u);
  EXPECT_EQ(vcards_->removeUser("vc@x").value(), 0u);
  EXPECT_EQ(vcards_->get("vc@x").error(), StoreError::kNotFound);
  EXPECT_EQ(vcards_->get("vc2@x").value(), "");
}

// Last: stops and restarts the server.
TEST_F(OfflineVcardStoresTest, UnavailableWhileDownThenHeals) {
  ASSERT_TRUE(rosters_->updateItem("down@x", "c@x", setName("kept")));
  const RosterVersion version = rosters_->getRoster("down@x")->version;
  StoredMessage m;
  m.stanzaBytes = "kept";
  auto put = offline_->store("down@x", m, 10);
  ASSERT_TRUE(put && put->stored());
  ASSERT_TRUE(vcards_->set("down@x", "kept"));

  pg_->stop();
  struct Restart {  // even when an assertion below fails, later tests get a running server
    ~Restart() {
      try {
        pg_->start();
      } catch (...) {
      }
    }
  } restart;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rosters_->updateItem("down@x", "c@x", setName("lost")).error(),
            StoreError::kUnavailable);
  EXPECT_EQ(rosters_->getRoster("down@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(rosters_->getItem("down@x", "c@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(rosters_->itemsWithPendingIn("down@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(rosters_->countItems("down@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(rosters_->removeUser("down@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(offline_->store("down@x", m, 10).error(), StoreError::kUnavailable);
  EXPECT_EQ(offline_->fetch("down@x", 10).error(), StoreError::kUnavailable);
  EXPECT_EQ(offline_->ack("down@x", {put->id}).error(), StoreError::kUnavailable);
  EXPECT_EQ(offline_->count("down@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(offline_->removeUser("down@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(vcards_->get("down@x").error(), StoreError::kUnavailable);
  EXPECT_EQ(vcards_->set("down@x", "lost").error(), StoreError::kUnavailable);
  EXPECT_EQ(vcards_->removeUser("down@x").error(), StoreError::kUnavailable);
  // Fail fast (connection refused), not a hang: a generous bound.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));

  pg_->start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!pool_->healthy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(pool_->healthy());

  // The same store objects work again, and what was committed before the stop is there.
  auto item = rosters_->getItem("down@x", "c@x");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->name, "kept");
  EXPECT_EQ(rosters_->getRoster("down@x")->version, version);
  auto fetched = offline_->fetch("down@x", 10);
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->size(), 1u);
  EXPECT_EQ((*fetched)[0].stanzaBytes, "kept");
  EXPECT_EQ(vcards_->get("down@x").value(), "kept");

  auto updated = rosters_->updateItem("down@x", "c@x", setName("after"));
  ASSERT_TRUE(updated);
  EXPECT_TRUE(updated->changed);
  EXPECT_GT(updated->version, version);
  EXPECT_EQ(offline_->ack("down@x", {put->id}).value(), 1u);
  ASSERT_TRUE(vcards_->set("down@x", "after"));
  EXPECT_EQ(vcards_->get("down@x").value(), "after");
}

}  // namespace
}  // namespace xmpp::storage_pg

// The router's workers: one key's tasks in order, and what is queued bounded in bytes with a
// resume signal for the producers (issue 9, case 6).

#include "keyed_workers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "xmpp/testing/service_process.hpp"

namespace xmpp::router {
namespace {

TEST(KeyedWorkers, OneKeysTasksRunInOrder) {
  std::vector<int> seen;
  std::mutex mu;
  {
    KeyedWorkers workers(4);
    for (int i = 0; i < 1000; ++i) {
      workers.post("alice@example.com", [&, i] {
        std::lock_guard lock(mu);
        seen.push_back(i);
      });
    }
  }  // the destructor drains
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
}

// A stalled worker (a slow backend call) fills the queue: past the high mark the producer is
// told to wait, and is resumed once the queue is back under the low mark, not before.
TEST(KeyedWorkers, case6_PastTheHighMarkProducersWaitUntilTheLowMark) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  KeyedWorkers workers(1, {.highBytes = 1000, .lowBytes = 400});
  workers.post("k", [&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
  });
  for (int i = 0; i < 12; ++i)
    workers.post(
        "k", [] {}, 100);
  EXPECT_EQ(workers.queuedBytes(), 1200u);
  EXPECT_TRUE(workers.overloaded());
  std::atomic<bool> resumed{false};
  workers.whenDrained([&] { resumed = true; });
  EXPECT_FALSE(resumed.load()) << "not while the queue is full";
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_TRUE(testing::eventually([&] { return resumed.load(); }));
  EXPECT_TRUE(testing::eventually([&] { return workers.queuedBytes() == 0; }));
  EXPECT_FALSE(workers.overloaded());
  std::atomic<bool> atOnce{false};
  workers.whenDrained([&] { atOnce = true; });
  EXPECT_TRUE(atOnce.load()) << "under the low mark: at once";
}

// A key stalled in a slow backend call (a slow PostgreSQL) holds one thread: every other
// key's tasks still run, with as few threads as keys that share one (before, keys hashed to
// the stalled thread waited behind it).
TEST(KeyedWorkers, case6_AStalledKeyHoldsNoOtherKeyBack) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> ran{0};
  {
    KeyedWorkers workers(2);
    workers.post("slow@example.com", [&] {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return release; });
    });
    for (int i = 0; i < 100; ++i) {
      workers.post("user" + std::to_string(i) + "@example.com", [&] { ran.fetch_add(1); });
    }
    EXPECT_TRUE(testing::eventually([&] { return ran.load() == 100; }))
        << ran.load() << " of 100 ran";
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
  }
}

// afterAll runs once everything queued before it ran, whatever the keys.
TEST(KeyedWorkers, AfterAllRunsOnceEverythingQueuedBeforeRan) {
  std::atomic<int> ran{0};
  std::atomic<int> seenByBarrier{-1};
  KeyedWorkers workers(3);
  for (int i = 0; i < 300; ++i) {
    workers.post("k" + std::to_string(i % 7), [&] { ran.fetch_add(1); });
  }
  workers.afterAll([&] { seenByBarrier = ran.load(); });
  EXPECT_TRUE(testing::eventually([&] { return seenByBarrier.load() >= 0; }));
  EXPECT_EQ(seenByBarrier.load(), 300);
  std::atomic<bool> idle{false};
  KeyedWorkers empty(1);
  empty.afterAll([&] { idle = true; });
  EXPECT_TRUE(idle.load()) << "nothing queued: at once";
}

}  // namespace
}  // namespace xmpp::router

// The XEP-0198 resumable-session scripts (xmpp/storage_redis/resumable_sessions.hpp) against a
// real redis-server (label: db): the holder check, a burst appended in one run, the takeover
// rules (one resume in a window), detaching twice, expiry once, and a state Redis lost.

#include "xmpp/storage_redis/resumable_sessions.hpp"

#include <gtest/gtest.h>

#include "xmpp/testing/test_redis.hpp"

namespace xmpp::storage_redis {
namespace {

namespace r = resumable;
using std::chrono::system_clock;

class ResumableScriptsTest : public ::testing::Test {
 protected:
  long long run(const RedisCommand& c) {
    auto result = pool_.run([&](RedisConnection& conn) -> Expected<long long, storage::StoreError> {
      auto reply = conn.command({c.begin(), c.end()});
      if (!reply) return unexpected(reply.error());
      return r::integerOf(reply->get());
    });
    return result ? *result : -100;
  }
  r::TakeoverOutcome take(const std::string& account, const std::string& sid, uint32_t h,
                          ResumedState& out, system_clock::time_point now = system_clock::now()) {
    const RedisCommand c = r::takeover("id1", account, sid, h, now, std::chrono::seconds(15));
    auto result =
        pool_.run([&](RedisConnection& conn) -> Expected<r::TakeoverOutcome, storage::StoreError> {
          auto reply = conn.command({c.begin(), c.end()});
          if (!reply) return unexpected(reply.error());
          return r::parseTakeover(reply->get(), out);
        });
    return result ? *result : r::TakeoverOutcome::kFailed;
  }
  void create(std::chrono::seconds max = std::chrono::seconds(300)) {
    ASSERT_EQ(run(r::create("id1", {"a@x", "a@x/r", "gw1/1", "info", max})), 1);
  }
  testing::TestRedis redis_;
  RedisPool pool_{parseRedisAddress(redis_.address())};
  ResumableSessions sessions_{pool_};
};

TEST_F(ResumableScriptsTest, OnlyTheHolderWritesAndABurstIsOneRun) {
  create();
  EXPECT_EQ(run(r::append("id1", "gw1/1", {"s1", "s2", "s3"}, 2)), 1);
  EXPECT_EQ(run(r::append("id1", "gw9/9", {"x"}, 2)), 0);  // not the holder
  EXPECT_EQ(run(r::ack("id1", "gw1/1", 1, 1, 2)), 1);
  ResumedState st;
  ASSERT_EQ(take("a@x", "gw2/1", 1, st), r::TakeoverOutcome::kTaken);
  EXPECT_EQ(st.previousSessionId, "gw1/1");
  EXPECT_EQ(st.inbound, 2u);
  EXPECT_EQ(st.fullJid, "a@x/r");
  EXPECT_EQ(st.unacked, (std::vector<std::string>{"s2", "s3"}));
  // The old holder learns it lost the session from its next write.
  EXPECT_EQ(run(r::append("id1", "gw1/1", {"late"}, 2)), 0);
  EXPECT_EQ(run(r::detach("id1", "gw1/1", 2, system_clock::now())), 0);
}

TEST_F(ResumableScriptsTest, TakeoverRules) {
  create();
  ASSERT_EQ(run(r::append("id1", "gw1/1", {"s1"}, 0)), 1);
  ResumedState st;
  EXPECT_EQ(take("b@x", "gw2/1", 0, st), r::TakeoverOutcome::kNotFound);  // another account
  EXPECT_EQ(take("a@x", "gw2/1", 5, st), r::TakeoverOutcome::kTooHigh);   // more than sent
  const auto now = system_clock::now();
  ASSERT_EQ(take("a@x", "gw2/1", 0, st, now), r::TakeoverOutcome::kTaken);
  // A second resume within the window is refused (of two at once, one wins); a later one
  // (the client reconnected again) takes it.
  EXPECT_EQ(take("a@x", "gw3/1", 0, st, now + std::chrono::seconds(1)), r::TakeoverOutcome::kBusy);
  EXPECT_EQ(take("a@x", "gw3/1", 0, st, now + std::chrono::seconds(16)),
            r::TakeoverOutcome::kTaken);
  EXPECT_EQ(st.previousSessionId, "gw2/1");
}

TEST_F(ResumableScriptsTest, DetachedOnceExpiredOnceAndGoneStateIsNotATakeover) {
  create(std::chrono::seconds(1));
  ASSERT_EQ(run(r::append("id1", "gw1/1", {"s1", "s2"}, 0)), 1);
  const auto then = system_clock::now() - std::chrono::seconds(5);
  EXPECT_EQ(run(r::detach("id1", "gw1/1", 0, then)), 1);
  auto again = sessions_.detach("id1", "gw1/1");  // a router's sweep after the gateway's
  ASSERT_TRUE(again);
  EXPECT_TRUE(*again);
  auto expired = sessions_.expireDue(10);
  ASSERT_TRUE(expired);
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ((*expired)[0].sessionId, "gw1/1");
  EXPECT_EQ((*expired)[0].unacked, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_TRUE(sessions_.expireDue(10)->empty());  // once
  ResumedState st;
  EXPECT_EQ(take("a@x", "gw2/1", 0, st), r::TakeoverOutcome::kNotFound);
  // A holder whose state Redis lost is told so (2), not that it was taken over (0).
  EXPECT_EQ(run(r::append("id1", "gw1/1", {"s3"}, 0)), 2);
  EXPECT_EQ(run(r::detach("id1", "gw1/1", 0, system_clock::now())), 3);
  // A sweep of a session whose state is gone ends it (not kept waiting for a resume).
  auto gone = sessions_.detach("id1", "gw1/1");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

TEST_F(ResumableScriptsTest, OnlyADetachedSessionTakesQueuedStanzasUpToItsBound) {
  ASSERT_EQ(run(r::create(
                "id1", {"a@x", "a@x/r", "gw1/1", "info", std::chrono::seconds(300), 3, 1 << 20})),
            1);
  ASSERT_EQ(run(r::append("id1", "gw1/1", {"s1"}, 0)), 1);
  auto held = sessions_.queue("id1", "q0");
  ASSERT_TRUE(held);
  EXPECT_EQ(*held, 0);  // held by a stream: its gateway gets what is routed to it
  ASSERT_EQ(run(r::detach("id1", "gw1/1", 0, system_clock::now())), 1);
  EXPECT_EQ(*sessions_.queue("id1", "q1"), 1);
  EXPECT_EQ(*sessions_.queue("id1", "q2"), 1);
  EXPECT_EQ(*sessions_.queue("id1", "q3"), 4);  // three waiting: its bound
  EXPECT_EQ(*sessions_.queue("nope", "q"), 3);
  ResumedState st;
  ASSERT_EQ(take("a@x", "gw2/1", 0, st), r::TakeoverOutcome::kTaken);
  EXPECT_EQ(st.unacked, (std::vector<std::string>{"s1", "q1", "q2"}));
  EXPECT_EQ(*sessions_.queue("id1", "q4"), 0);  // resumed
}

}  // namespace
}  // namespace xmpp::storage_redis

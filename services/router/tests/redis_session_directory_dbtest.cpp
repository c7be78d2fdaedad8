// RedisSessionDirectory against a real redis-server (label: db).

#include "redis_session_directory.hpp"

#include "caching_session_directory.hpp"
#include "redis_invalidation_feed.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "xmpp/testing/service_process.hpp"
#include "xmpp/testing/test_redis.hpp"

namespace xmpp::router {
namespace {

v1::SessionInfo session(const std::string& gw, const std::string& sid, const std::string& full,
                        int priority = 0) {
  v1::SessionInfo s;
  s.set_gateway_id(gw);
  s.set_session_id(sid);
  s.set_full_jid(full);
  s.set_priority(priority);
  return s;
}

class RedisDirectoryTest : public ::testing::Test {
 protected:
  testing::TestRedis redis_;
  storage_redis::RedisPool pool_{storage_redis::parseRedisAddress(redis_.address())};
  RedisSessionDirectory dir_{pool_};
};

TEST_F(RedisDirectoryTest, BindLookupUpdateRemove) {
  ASSERT_TRUE(dir_.bind("a@x", "phone", session("gw1", "gw1/1", "a@x/phone", 5)));
  ASSERT_TRUE(dir_.bind("a@x", "laptop", session("gw2", "gw2/7", "a@x/laptop")));
  auto s = dir_.sessions("a@x");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ(s->at("phone").priority(), 5);
  EXPECT_EQ(s->at("laptop").gateway_id(), "gw2");

  auto updated = session("gw1", "gw1/1", "a@x/phone", -1);
  updated.set_available(true);
  ASSERT_TRUE(dir_.update("a@x", "phone", updated));
  EXPECT_EQ(dir_.sessions("a@x")->at("phone").priority(), -1);
  // An update for a session that is not the bound one is refused.
  EXPECT_FALSE(dir_.update("a@x", "phone", session("gw9", "gw9/1", "a@x/phone")));

  EXPECT_FALSE(*dir_.remove("a@x", "phone", "gw9/1"));  // not that session
  EXPECT_TRUE(*dir_.remove("a@x", "phone", "gw1/1"));
  EXPECT_EQ(dir_.sessions("a@x")->size(), 1u);
  EXPECT_TRUE(dir_.sessions("nobody@x")->empty());
}

TEST_F(RedisDirectoryTest, RebindReturnsTheReplacedSessionAndMovesTheGatewayIndex) {
  ASSERT_TRUE(dir_.bind("b@x", "r", session("gw1", "gw1/1", "b@x/r")));
  auto old = dir_.bind("b@x", "r", session("gw2", "gw2/1", "b@x/r"));
  ASSERT_TRUE(old);
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ((*old)->session_id(), "gw1/1");
  EXPECT_TRUE(dir_.sessionsOfGateway("gw1")->empty());
  ASSERT_EQ(dir_.sessionsOfGateway("gw2")->size(), 1u);
  // The late 'ended' of the replaced session must not remove its successor.
  EXPECT_FALSE(*dir_.remove("b@x", "r", "gw1/1"));
  EXPECT_EQ(dir_.sessions("b@x")->at("r").session_id(), "gw2/1");
}

TEST_F(RedisDirectoryTest, FanOutLookupInOneCall) {
  std::vector<std::string> bares;
  for (int i = 0; i < 150; ++i) {
    bares.push_back("u" + std::to_string(i) + "@x");
    if (i % 3 == 0) {
      ASSERT_TRUE(dir_.bind(bares.back(), "r",
                            session("gw1", "gw1/" + std::to_string(i), bares.back() + "/r")));
    }
  }
  auto all = dir_.sessionsOf(bares);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 50u);
  EXPECT_EQ(all->at("u3@x").at("r").session_id(), "gw1/3");
}

TEST_F(RedisDirectoryTest, DeadGatewayIsCleanedUpExactlyOnce) {
  ASSERT_TRUE(dir_.heartbeat("gw-live", std::chrono::seconds(30)));
  ASSERT_TRUE(dir_.heartbeat("gw-dead", std::chrono::seconds(1)));
  ASSERT_TRUE(dir_.bind("c@x", "r1", session("gw-dead", "gw-dead/1", "c@x/r1")));
  ASSERT_TRUE(dir_.bind("c@x", "r2", session("gw-live", "gw-live/1", "c@x/r2")));
  ASSERT_TRUE(testing::eventually([&] {
    auto dead = dir_.deadGateways();
    return dead && *dead == std::vector<std::string>{"gw-dead"};
  }));
  // Two routers race: one wins.
  std::atomic<int> winners{0};
  std::thread t1([&] { winners += *dir_.claimCleanup("gw-dead") ? 1 : 0; });
  std::thread t2([&] { winners += *dir_.claimCleanup("gw-dead") ? 1 : 0; });
  t1.join();
  t2.join();
  EXPECT_EQ(winners.load(), 1);
  auto sessions = dir_.sessionsOfGateway("gw-dead");
  ASSERT_TRUE(sessions);
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0].full_jid(), "c@x/r1");
  // The sweep removes what it read, then forgets the gateway.
  EXPECT_TRUE(*dir_.removeUnchanged("c@x", "r1", (*sessions)[0]));
  EXPECT_TRUE(*dir_.finishCleanup("gw-dead"));
  auto left = dir_.sessions("c@x");
  ASSERT_EQ(left->size(), 1u);
  EXPECT_TRUE(left->count("r2"));
  EXPECT_TRUE(dir_.deadGateways()->empty());
  EXPECT_TRUE(*dir_.claimCleanup("gw-dead")) << "the claim is released";
}

// Issue 9 case 1: the gateway came back during the sweep and registered its session again
// (a new generation): the sweep leaves it, and the gateway stays known.
TEST_F(RedisDirectoryTest, case1_ASweepLeavesWhatWasRegisteredAgainAndKeepsTheGateway) {
  ASSERT_TRUE(dir_.heartbeat("gw-back", std::chrono::seconds(1)));
  ASSERT_TRUE(dir_.bind("d@x", "r1", session("gw-back", "gw-back/1", "d@x/r1")));
  ASSERT_TRUE(dir_.bind("d@x", "r2", session("gw-back", "gw-back/2", "d@x/r2")));
  ASSERT_TRUE(testing::eventually([&] {
    auto dead = dir_.deadGateways();
    return dead && *dead == std::vector<std::string>{"gw-back"};
  }));
  ASSERT_TRUE(*dir_.claimCleanup("gw-back"));
  auto read = dir_.sessionsOfGateway("gw-back");
  ASSERT_TRUE(read);
  ASSERT_EQ(read->size(), 2u);
  v1::SessionInfo again = session("gw-back", "gw-back/1", "d@x/r1");
  again.set_generation(42);
  ASSERT_TRUE(dir_.bind("d@x", "r1", again));  // announced again
  for (const auto& s : *read) {
    const std::string resource = s.full_jid().substr(s.full_jid().find('/') + 1);
    EXPECT_EQ(*dir_.removeUnchanged("d@x", resource, s), resource == "r2");
  }
  EXPECT_FALSE(*dir_.finishCleanup("gw-back"));
  auto left = dir_.sessions("d@x");
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->at("r1").generation(), 42u);
  auto indexed = dir_.sessionsOfGateway("gw-back");
  ASSERT_EQ(indexed->size(), 1u) << "still found if the gateway dies for good";
  EXPECT_TRUE(*dir_.claimCleanup("gw-back")) << "the claim is released";
}

TEST_F(RedisDirectoryTest, case1_AnEmptiedDirectoryHasANewEpoch) {
  auto first = dir_.epoch("e1");
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, "e1");
  EXPECT_EQ(*dir_.epoch("e2"), "e1") << "kept while Redis keeps its data";
  redis_.restart();
  ASSERT_TRUE(testing::eventually([&] { return dir_.epoch("e3").has_value(); }));
  EXPECT_EQ(*dir_.epoch("e4"), "e3");
}

TEST_F(RedisDirectoryTest, ClosedStreamShortensTheHeartbeatAndClaimsCanBeReleased) {
  ASSERT_TRUE(dir_.heartbeat("gw-x", std::chrono::seconds(60)));
  ASSERT_TRUE(dir_.expireSoon("gw-x", std::chrono::seconds(1)));
  ASSERT_TRUE(testing::eventually([&] {
    auto dead = dir_.deadGateways();
    return dead && *dead == std::vector<std::string>{"gw-x"};
  }));
  EXPECT_TRUE(*dir_.claimCleanup("gw-x"));
  EXPECT_FALSE(*dir_.claimCleanup("gw-x"));
  ASSERT_TRUE(dir_.releaseClaim("gw-x"));  // a failed cleanup lets the next tick retry
  EXPECT_TRUE(*dir_.claimCleanup("gw-x"));
}

TEST_F(RedisDirectoryTest, CacheServesRepeatsAndSeesOtherRoutersChanges) {
  // Router A reads through its cache; router B writes to the same Redis directly.
  storage_redis::RedisPool otherPool{storage_redis::parseRedisAddress(redis_.address())};
  RedisInvalidationFeed feed(storage_redis::parseRedisAddress(redis_.address()), otherPool);
  CachingSessionDirectory cached(dir_, feed, {});
  feed.start();
  RedisSessionDirectory other(otherPool);
  ASSERT_TRUE(testing::eventually([&] { return cached.active(); }));

  ASSERT_TRUE(other.bind("d@x", "r1", session("gw1", "gw1/1", "d@x/r1")));
  ASSERT_EQ(cached.sessions("d@x")->size(), 1u);
  // The bind's own invalidation may still be in flight and evict that first fill (a
  // harmless extra miss): wait until a read is served from the cache.
  ASSERT_TRUE(testing::eventually([&] {
    const auto m = cached.misses();
    return cached.sessions("d@x").has_value() && cached.misses() == m;
  }));
  const auto missesAfterFill = cached.misses();
  const auto hitsBefore = cached.hits();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(cached.sessions("d@x")->size(), 1u);
  EXPECT_EQ(cached.misses(), missesAfterFill);  // served from the cache
  EXPECT_EQ(cached.hits(), hitsBefore + 10);

  // Another router's change reaches this cache through the invalidation channel.
  ASSERT_TRUE(other.bind("d@x", "r2", session("gw2", "gw2/1", "d@x/r2")));
  EXPECT_TRUE(testing::eventually([&] { return cached.sessions("d@x")->size() == 2u; }));
  ASSERT_TRUE(*other.remove("d@x", "r1", "gw1/1"));
  EXPECT_TRUE(testing::eventually([&] { return cached.sessions("d@x")->size() == 1u; }));

  // Its own changes are visible at once, without waiting for the channel.
  ASSERT_TRUE(cached.bind("d@x", "r3", session("gw1", "gw1/3", "d@x/r3")));
  EXPECT_EQ(cached.sessions("d@x")->size(), 2u);

  // Fan-out reads mix hits and one round trip for the misses.
  ASSERT_TRUE(other.bind("e@x", "r", session("gw1", "gw1/9", "e@x/r")));
  auto all = cached.sessionsOf({"d@x", "e@x", "nobody@x"});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
  EXPECT_EQ(all->at("e@x").at("r").session_id(), "gw1/9");
}

TEST(RedisDirectoryDown, FailsFastAsUnavailable) {
  storage_redis::RedisOptions o;
  o.port = 1;  // nothing listens there
  storage_redis::RedisPool pool(o);
  RedisSessionDirectory dir(pool);
  auto r = dir.sessions("a@x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), storage::StoreError::kUnavailable);
  EXPECT_FALSE(pool.healthy());
}

}  // namespace
}  // namespace xmpp::router

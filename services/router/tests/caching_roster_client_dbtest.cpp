// CachingRosterClient across two routers sharing a real redis-server (label: db): a roster
// change made through one router evicts the other's cached presence targets.

#include "caching_roster_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "redis_invalidation_feed.hpp"
#include "xmpp/testing/service_process.hpp"
#include "xmpp/testing/test_redis.hpp"

namespace xmpp::router {
namespace {

/// The userdata service as far as this cache sees it: settable targets, counted reads, and
/// roster changes that push to both users.
class StubRoster final : public RosterClient {
 public:
  BackendStatus getRoster(const v1::GetRosterRequest&, v1::GetRosterResponse*) override {
    return backendOk();
  }
  BackendStatus setItem(const v1::SetItemRequest& r, v1::RosterEffects* e) override {
    auto* push = e->add_pushes();
    push->set_user(r.user());
    return backendOk();
  }
  BackendStatus processSubscription(const v1::SubscriptionRequest& r,
                                    v1::SubscriptionResponse* o) override {
    std::lock_guard lock(mu);
    targets[r.user()].add_broadcast(r.contact());
    o->mutable_effects()->add_pushes()->set_user(r.user());
    return backendOk();
  }
  BackendStatus presenceTargets(const v1::UserRequest& r, v1::PresenceTargetsResponse* o) override {
    ++reads;
    std::lock_guard lock(mu);
    *o = targets[r.user()];
    return backendOk();
  }
  BackendStatus pendingSubscriptions(const v1::UserRequest&,
                                     v1::PendingSubscriptionsResponse*) override {
    return backendOk();
  }
  BackendStatus storeOffline(const v1::StoreOfflineRequest&, v1::StoreOfflineResponse*) override {
    return backendOk();
  }
  BackendStatus fetchOffline(const v1::FetchOfflineRequest&, v1::FetchOfflineResponse*) override {
    return backendOk();
  }
  BackendStatus ackOffline(const v1::AckOfflineRequest&) override { return backendOk(); }
  BackendStatus getVcard(const v1::VcardRequest&, v1::VcardResponse*) override {
    return backendOk();
  }
  BackendStatus setVcard(const v1::SetVcardRequest&) override { return backendOk(); }

  std::mutex mu;
  std::map<std::string, v1::PresenceTargetsResponse> targets;
  std::atomic<int> reads{0};
};

/// One router's view: its own pool, feed and cache over the shared stub.
struct Router {
  Router(const std::string& redisAddress, RosterClient& roster)
      : pool(storage_redis::parseRedisAddress(redisAddress)),
        feed(storage_redis::parseRedisAddress(redisAddress), pool),
        cache(roster, feed, {}) {
    feed.start();
  }
  size_t broadcastCount(const std::string& user) {
    v1::UserRequest r;
    r.set_user(user);
    v1::PresenceTargetsResponse t;
    EXPECT_TRUE(cache.presenceTargets(r, &t));
    return static_cast<size_t>(t.broadcast_size());
  }
  storage_redis::RedisPool pool;
  RedisInvalidationFeed feed;
  CachingRosterClient cache;
};

v1::SubscriptionRequest subscription(const std::string& user, const std::string& contact) {
  v1::SubscriptionRequest r;
  r.set_user(user);
  r.set_contact(contact);
  r.set_direction(v1::SubscriptionRequest::DIRECTION_INBOUND);
  return r;
}

TEST(CachingRosterClient, ServesRepeatsAndSeesChangesMadeThroughAnotherRouter) {
  testing::TestRedis redis;
  StubRoster roster;
  Router a(redis.address(), roster);
  Router b(redis.address(), roster);
  ASSERT_TRUE(testing::eventually([&] { return a.cache.active() && b.cache.active(); }));

  EXPECT_EQ(a.broadcastCount("u@x"), 0u);
  const int readsAfterFill = roster.reads.load();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.broadcastCount("u@x"), 0u);
  EXPECT_EQ(roster.reads.load(), readsAfterFill);  // served from the cache
  EXPECT_EQ(a.cache.hits(), 10u);

  // A subscription processed by router B reaches router A's cache through Redis.
  v1::SubscriptionResponse response;
  ASSERT_TRUE(b.cache.processSubscription(subscription("u@x", "c@x"), &response));
  EXPECT_TRUE(testing::eventually([&] { return a.broadcastCount("u@x") == 1u; }));
  EXPECT_EQ(b.broadcastCount("u@x"), 1u);  // and router B's own at once
  EXPECT_EQ(a.cache.unannounced() + b.cache.unannounced(), 0u);
}

TEST(CachingRosterClient, IsBypassedWhileTheFeedIsDown) {
  StubRoster roster;
  storage_redis::RedisOptions nowhere;
  nowhere.port = 1;  // nothing listens there
  storage_redis::RedisPool pool(nowhere);
  RedisInvalidationFeed feed(nowhere, pool);
  CachingRosterClient cache(roster, feed, {});
  feed.start();
  v1::UserRequest r;
  r.set_user("u@x");
  for (int i = 0; i < 3; ++i) {
    v1::PresenceTargetsResponse t;
    ASSERT_TRUE(cache.presenceTargets(r, &t));
  }
  EXPECT_EQ(roster.reads.load(), 3);  // every read went to the roster service
  // A change cannot be announced: counted, not hidden.
  v1::SubscriptionResponse response;
  ASSERT_TRUE(cache.processSubscription(subscription("u@x", "c@x"), &response));
  EXPECT_EQ(cache.unannounced(), 1u);
}

}  // namespace
}  // namespace xmpp::router

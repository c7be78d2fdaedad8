#include "throttle.hpp"

#include <gtest/gtest.h>

#include <string>

namespace xmpp::auth {
namespace {

using namespace std::chrono_literals;

ThrottleConfig smallConfig() {
  ThrottleConfig c;
  c.perAccount = {3, 60s, 120s, 1000};
  c.perAddress = {5, 60s, 300s, 1000};
  return c;
}

TEST(LoginThrottleTest, AccountLocksAfterLimitAndUnlocksAfterLockout) {
  ManualClock clock;
  LoginThrottle t(clock, smallConfig());
  // Different addresses so only the account limit matters.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(t.check("alice", "10.0.0." + std::to_string(i)).allowed);
    t.recordFailure("alice", "10.0.0." + std::to_string(i));
  }
  ThrottleDecision d = t.check("alice", "10.0.0.9");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 120s);
  EXPECT_TRUE(t.check("bob", "10.0.0.9").allowed);  // other accounts unaffected

  clock.advance(119s + 500ms);
  d = t.check("alice", "10.0.0.9");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 1s);  // rounded up
  clock.advance(500ms);
  EXPECT_TRUE(t.check("alice", "10.0.0.9").allowed);
  // The counter restarted: one more failure does not lock again.
  t.recordFailure("alice", "10.0.0.9");
  EXPECT_TRUE(t.check("alice", "10.0.0.9").allowed);
}

TEST(LoginThrottleTest, WindowSlides) {
  ManualClock clock;
  LoginThrottle t(clock, smallConfig());
  t.recordFailure("alice", "");
  clock.advance(30s);
  t.recordFailure("alice", "");
  clock.advance(31s);  // the first failure has left the 60 s window
  t.recordFailure("alice", "");
  EXPECT_TRUE(t.check("alice", "").allowed);
  t.recordFailure("alice", "");
  EXPECT_FALSE(t.check("alice", "").allowed);
}

TEST(LoginThrottleTest, AddressLocksAcrossAccounts) {
  ManualClock clock;
  LoginThrottle t(clock, smallConfig());
  for (int i = 0; i < 5; ++i) t.recordFailure("user" + std::to_string(i), "192.0.2.7");
  ThrottleDecision d = t.check("fresh", "192.0.2.7");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 300s);
  EXPECT_FALSE(t.check("", "192.0.2.7").allowed);
  EXPECT_TRUE(t.check("fresh", "192.0.2.8").allowed);
  EXPECT_TRUE(t.check("fresh", "").allowed);
  clock.advance(300s);
  EXPECT_TRUE(t.check("fresh", "192.0.2.7").allowed);
}

TEST(LoginThrottleTest, SuccessClearsTheAccountButNotTheAddress) {
  ManualClock clock;
  LoginThrottle t(clock, smallConfig());
  t.recordFailure("alice", "192.0.2.1");
  t.recordFailure("alice", "192.0.2.1");
  t.recordSuccess("alice");
  t.recordFailure("alice", "192.0.2.1");
  t.recordFailure("alice", "192.0.2.1");
  EXPECT_TRUE(t.check("alice", "").allowed);
  t.recordFailure("alice", "192.0.2.1");
  EXPECT_FALSE(t.check("alice", "").allowed);
  // Five failures from the address in total: locked, success notwithstanding.
  EXPECT_FALSE(t.check("", "192.0.2.1").allowed);
}

TEST(LoginThrottleTest, LongerOfBothLockoutsWins) {
  ManualClock clock;
  LoginThrottle t(clock, smallConfig());
  for (int i = 0; i < 5; ++i) t.recordFailure("alice", "192.0.2.1");
  EXPECT_EQ(t.check("alice", "192.0.2.1").retryAfter, 300s);
  EXPECT_EQ(t.check("alice", "192.0.2.2").retryAfter, 120s);
}

TEST(LoginThrottleTest, MemoryIsCappedByEvictingTheOldest) {
  ManualClock clock;
  ThrottleConfig c = smallConfig();
  c.perAccount.maxTrackedKeys = 10;
  c.perAddress.maxTrackedKeys = 10;
  LoginThrottle t(clock, c);
  for (int i = 0; i < 3; ++i) t.recordFailure("victim", "198.51.100.1");
  EXPECT_FALSE(t.check("victim", "").allowed);
  for (int i = 0; i < 10'000; ++i) {
    t.recordFailure("spray" + std::to_string(i),
                    "10." + std::to_string(i / 256) + ".0." + std::to_string(i % 256));
    ASSERT_LE(t.trackedAccounts(), 10u);
    ASSERT_LE(t.trackedAddresses(), 10u);
  }
  // The most recent keys are the ones kept.
  t.recordFailure("spray9999", "");
  t.recordFailure("spray9999", "");
  EXPECT_FALSE(t.check("spray9999", "").allowed);
}

TEST(LoginThrottleTest, StaleEntriesAreSweptAway) {
  ManualClock clock;
  LoginThrottle t(clock, smallConfig());
  for (int i = 0; i < 6; ++i) t.recordFailure("u" + std::to_string(i), "");
  EXPECT_EQ(t.trackedAccounts(), 6u);
  clock.advance(61s);
  t.recordFailure("new", "");
  EXPECT_EQ(t.trackedAccounts(), 1u);
}

TEST(LoginThrottleTest, AddressKeys) {
  struct Case {
    const char* in;
    int bits;
    const char* key;
  };
  const Case cases[] = {
      {"192.0.2.1", 64, "192.0.2.1"},
      {"::ffff:192.0.2.1", 64, "192.0.2.1"},
      {"2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"},
      {"[2001:db8:1:2:3:4:5:6]", 64, "2001:db8:1:2::/64"},
      {"2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6/128"},
      {"2001:db8:1:f2ff:3:4:5:6", 52, "2001:db8:1:f000::/52"},
      {"2001:db8:1:2ff:3:4:5:6", 52, "2001:db8:1::/52"},
      {"unix:/run/socket", 64, "unix:/run/socket"},
  };
  for (const Case& c : cases) EXPECT_EQ(LoginThrottle::addressKey(c.in, c.bits), c.key) << c.in;
}

TEST(LoginThrottleTest, Ipv6HostsOfOnePrefixShareACounter) {
  ManualClock clock;
  LoginThrottle t(clock, smallConfig());
  for (int i = 1; i <= 5; ++i) t.recordFailure("", "2001:db8::" + std::to_string(i));
  EXPECT_FALSE(t.check("", "2001:db8::ffff").allowed);
  EXPECT_TRUE(t.check("", "2001:db8:0:1::1").allowed);
}

}  // namespace
}  // namespace xmpp::auth

// Connections per client address: admitted up to the limit, the slot given back when the
// ticket goes.

#include <gtest/gtest.h>

#include "address_limits.hpp"
#include "token_bucket.hpp"

namespace xmpp::gateway {
namespace {

TEST(AddressLimits, AdmitsUpToTheLimitPerAddressAndReleasesOnTicketEnd) {
  auto limits = std::make_shared<AddressLimits>(2);
  auto a1 = limits->admit("192.0.2.1");
  auto a2 = limits->admit("192.0.2.1");
  ASSERT_TRUE(a1);
  ASSERT_TRUE(a2);
  EXPECT_FALSE(limits->admit("192.0.2.1"));
  EXPECT_TRUE(limits->admit("192.0.2.2"));  // another address: its own count
  a1.ticket.reset();
  EXPECT_EQ(limits->count("192.0.2.1"), 1u);
  EXPECT_TRUE(limits->admit("192.0.2.1"));
}

TEST(AddressLimits, ZeroMeansNoLimitAndTicketsOutliveTheLimits) {
  std::shared_ptr<void> ticket;
  {
    auto limits = std::make_shared<AddressLimits>(0);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limits->admit("192.0.2.1"));
    ticket = limits->admit("192.0.2.1").ticket;
  }
  ticket.reset();  // must not touch freed memory (ASan)
}

// Issue 9 case 13: connections accepted per second per address (a burst, then the rate).
TEST(AddressLimits, case13_AcceptsPastTheRatePerAddressAreRefused) {
  auto limits = std::make_shared<AddressLimits>(0, 2.0, 3.0);
  const auto t0 = TokenBucket::Clock::now();
  std::vector<AddressLimits::Admission> held;
  for (int i = 0; i < 3; ++i) held.push_back(limits->admit("192.0.2.1", t0));
  for (const auto& a : held) EXPECT_TRUE(a);
  auto refused = limits->admit("192.0.2.1", t0);
  EXPECT_FALSE(refused);
  EXPECT_STREQ(refused.refusal, "connecting too fast from this address");
  EXPECT_TRUE(limits->admit("192.0.2.2", t0)) << "another address: its own bucket";
  EXPECT_TRUE(limits->admit("192.0.2.1", t0 + std::chrono::milliseconds(500)));  // one more
  EXPECT_FALSE(limits->admit("192.0.2.1", t0 + std::chrono::milliseconds(500)));
  held.clear();  // closed at once: both addresses are remembered until their buckets refill
  EXPECT_EQ(limits->tracked(), 2u);
}

TEST(TokenBucket, DebtIsPaidAtTheRate) {
  const auto t0 = TokenBucket::Clock::now();
  TokenBucket b(1000, 2000, t0);  // 1,000 a second, 2,000 saved
  EXPECT_EQ(b.take(2000, t0).count(), 0);
  EXPECT_EQ(b.take(500, t0).count(), 501);  // half a second of debt
  EXPECT_EQ(b.take(0, t0 + std::chrono::milliseconds(500)).count(), 0);
  EXPECT_FALSE(b.tryTake(100, t0 + std::chrono::milliseconds(500)));
  EXPECT_TRUE(b.tryTake(100, t0 + std::chrono::milliseconds(600)));
  EXPECT_FALSE(b.full(t0 + std::chrono::milliseconds(600)));
  EXPECT_TRUE(b.full(t0 + std::chrono::seconds(10)));
}

}  // namespace
}  // namespace xmpp::gateway

// Connections per client address: admitted up to the limit, the slot given back when the
// ticket goes.

#include <gtest/gtest.h>

#include "address_limits.hpp"

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
  a1.reset();
  EXPECT_EQ(limits->count("192.0.2.1"), 1u);
  EXPECT_TRUE(limits->admit("192.0.2.1"));
}

TEST(AddressLimits, ZeroMeansNoLimitAndTicketsOutliveTheLimits) {
  std::shared_ptr<void> ticket;
  {
    auto limits = std::make_shared<AddressLimits>(0);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limits->admit("192.0.2.1"));
    ticket = limits->admit("192.0.2.1");
  }
  ticket.reset();  // must not touch freed memory (ASan)
}

}  // namespace
}  // namespace xmpp::gateway

#include "registration_policy.hpp"

#include <gtest/gtest.h>

namespace xmpp::auth {
namespace {

class ManualClockForPolicy final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void advance(std::chrono::seconds s) { now_ += s; }

 private:
  TimePoint now_ = TimePoint(std::chrono::hours(1000));
};

TEST(RegistrationPolicy, RemovedNamesStayReservedForTheConfiguredTime) {
  storage::InMemoryTombstoneStore tombstones;
  ManualClockForPolicy clock;
  RegistrationPolicy policy(tombstones, clock, {.tombstoneFor = std::chrono::seconds(100)});
  EXPECT_EQ(policy.check("alice", "192.0.2.1"), RegistrationPolicy::Verdict::kAllowed);
  ASSERT_TRUE(policy.removed("alice"));
  EXPECT_EQ(policy.check("alice", "192.0.2.1"), RegistrationPolicy::Verdict::kNameReserved);
  EXPECT_EQ(policy.check("bob", "192.0.2.1"), RegistrationPolicy::Verdict::kAllowed);
  clock.advance(std::chrono::seconds(100));
  EXPECT_EQ(policy.check("alice", "192.0.2.1"), RegistrationPolicy::Verdict::kAllowed);
}

TEST(RegistrationPolicy, RegistrationsArePerAddressPerWindowAndIpv6ByPrefix) {
  storage::InMemoryTombstoneStore tombstones;
  ManualClockForPolicy clock;
  RegistrationPolicy policy(tombstones, clock,
                            {.perAddress = 2, .window = std::chrono::seconds(60)});
  policy.registered("2001:db8::1");
  policy.registered("2001:db8::2");  // the same /64
  EXPECT_EQ(policy.check("x", "2001:db8::3"), RegistrationPolicy::Verdict::kThrottled);
  EXPECT_EQ(policy.check("x", "2001:db8:1::1"), RegistrationPolicy::Verdict::kAllowed);
  EXPECT_EQ(policy.check("x", "192.0.2.9"), RegistrationPolicy::Verdict::kAllowed);
  clock.advance(std::chrono::seconds(60));
  EXPECT_EQ(policy.check("x", "2001:db8::3"), RegistrationPolicy::Verdict::kAllowed);
}

}  // namespace
}  // namespace xmpp::auth

// Two roster sets racing on one item: the store's atomic read-modify-write keeps the item whole
// and the version counting exactly the effective changes.

#include <atomic>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace xmpp::roster::testing {
namespace {

TEST_F(RosterLogicTest, ConcurrentSetsOnOneItem) {
  constexpr int kRounds = 2000;
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "start", {"start"})));
  const storage::RosterVersion start = version(kJuliet);

  std::atomic<int> changes{0};
  std::atomic<int> failures{0};
  auto writer = [&](const std::string& name, const std::vector<std::string>& groups) {
    for (int i = 0; i < kRounds; ++i) {
      auto r = logic_.setItem(kJuliet, wireItem(std::string(kRomeo), name, groups));
      if (!r) {
        ++failures;
        continue;
      }
      if (r->changed) ++changes;
      // Every push carries one writer's whole item, never a mix.
      if (r->push.item.name != name || r->push.item.groups != groups) ++failures;
    }
  };
  const std::vector<std::string> groupsA = {"Montague", "Verona"};
  const std::vector<std::string> groupsB = {"Capulet"};
  std::thread a(writer, "A", groupsA);
  std::thread b(writer, "B", groupsB);
  a.join();
  b.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(changes.load(), 1);
  EXPECT_EQ(version(kJuliet), start + changes.load());
  const auto final = item(kJuliet, kRomeo);
  const bool isA = final.name == "A" && final.groups == groupsA;
  const bool isB = final.name == "B" && final.groups == groupsB;
  EXPECT_TRUE(isA || isB) << final.name;
  EXPECT_EQ(rosters_.countItems(kJuliet).value(), 1u);
}

TEST_F(RosterLogicTest, ConcurrentSubscriptionsAndSets) {
  // A roster set and subscription traffic on the same item must not lose each other's fields.
  constexpr int kRounds = 500;
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "Romeo")));
  std::thread sets([&] {
    for (int i = 0; i < kRounds; ++i) {
      ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "Romeo", {"G"})));
    }
  });
  std::thread subs([&] {
    for (int i = 0; i < kRounds; ++i) {
      ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe));
      ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kUnsubscribe));
    }
    ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe));
  });
  sets.join();
  subs.join();
  const auto final = item(kJuliet, kRomeo);
  EXPECT_EQ(final.name, "Romeo");
  EXPECT_EQ(final.groups, std::vector<std::string>{"G"});
  EXPECT_TRUE(final.askOut);
}

}  // namespace
}  // namespace xmpp::roster::testing

// The router reading presence targets through CachingRosterClient: broadcasts stop needing
// the roster service, and every subscription change the router makes is seen at once.

#include <string>

#include "fixture.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RosterCacheTest : public RouterTest {
 protected:
  RosterCacheTest() : RouterTest({}, {}, config(), /*cacheRoster=*/true) {}
};

TEST_F(RosterCacheTest, RepeatedBroadcastsAskTheRosterServiceOnce) {
  befriend("alice", "bob");
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "pc");
  available(bob);
  available(alice);
  sink_.clear();
  const int calls = roster_.presenceTargetsCalls.load();
  for (const char* show : {"away", "dnd", "xa"}) {
    available(alice, 0, show);
    EXPECT_THAT(presences(bob), ElementsAre(HasSubstr(std::string("<show>") + show)));
    sink_.clear();
  }
  EXPECT_EQ(roster_.presenceTargetsCalls.load(), calls);
  EXPECT_EQ(cachedRoster_.hits(), 3u);
}

TEST_F(RosterCacheTest, SubscriptionChangesThroughTheRouterAreSeenAtOnce) {
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "pc");
  requestRoster(alice);
  requestRoster(bob);
  available(alice);
  available(bob);
  sink_.clear();
  available(alice, 0, "away");  // cached: nobody to broadcast to yet
  EXPECT_THAT(presences(bob), IsEmpty());

  // bob subscribes to alice and she approves: her next broadcast reaches him.
  send(bob, "<presence to='alice@example.com' type='subscribe'/>");
  send(alice, "<presence to='bob@example.com' type='subscribed'/>");
  sink_.clear();
  available(alice, 0, "dnd");
  EXPECT_THAT(presences(bob), ElementsAre(HasSubstr("<show>dnd</show>")));

  // She revokes it: the next broadcast does not reach him.
  send(alice, "<presence to='bob@example.com' type='unsubscribed'/>");
  sink_.clear();
  available(alice, 0, "xa");
  EXPECT_THAT(presences(bob), IsEmpty());
  EXPECT_GT(feed_.published, 0);  // the other routers were told
}

}  // namespace
}  // namespace xmpp::router::testing

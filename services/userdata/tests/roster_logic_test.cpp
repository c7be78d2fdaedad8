// Roster get / set / remove (RFC 6121 §2) and versioning (XEP-0237).

#include "fixture.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::roster::testing {
namespace {

using storage::Subscription;

TEST_F(RosterLogicTest, EmptyRosterHasVersionZero) {
  auto r = logic_.getRoster(kJuliet, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->unchanged);
  EXPECT_EQ(r->version, "0");
  EXPECT_TRUE(r->items.empty());
}

TEST_F(RosterLogicTest, SetItemCreatesItemAndPushesIt) {
  auto r = logic_.setItem(kJuliet, wireItem("Nurse@Example.com", "Nurse", {"Servants"}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->contact, kNurse);  // prepared
  EXPECT_EQ(r->push.user, kJuliet);
  EXPECT_EQ(r->push.version, "1");
  EXPECT_EQ(r->push.item.jid, kNurse);
  EXPECT_EQ(r->push.item.name, "Nurse");
  EXPECT_EQ(r->push.item.subscription, "none");
  EXPECT_EQ(r->push.item.ask, "");
  EXPECT_FALSE(r->push.item.approved);
  EXPECT_EQ(r->push.item.groups, std::vector<std::string>{"Servants"});
  EXPECT_TRUE(r->routeToContact.empty());

  auto roster = logic_.getRoster(kJuliet, std::nullopt);
  ASSERT_TRUE(roster);
  EXPECT_EQ(roster->version, "1");
  ASSERT_EQ(roster->items.size(), 1u);
  EXPECT_EQ(roster->items[0], r->push.item);
}

TEST_F(RosterLogicTest, PushBuildsTheRfcIq) {
  auto r = logic_.setItem(kJuliet, wireItem(std::string(kNurse), "Nurse", {"Servants"}));
  ASSERT_TRUE(r);
  const v1::Stanza iq = makeRosterPush(r->push, "juliet@example.com/balcony", "a78b4q6ha463");
  EXPECT_EQ(iq.kind(), v1::STANZA_KIND_IQ);
  EXPECT_EQ(iq.type(), "set");
  EXPECT_EQ(iq.to(), "juliet@example.com/balcony");
  EXPECT_EQ(iq.id(), "a78b4q6ha463");
  auto query = stanza::getPayload<stanza::RosterQuery>(iq);
  ASSERT_TRUE(query);
  EXPECT_EQ(query->ver, "1");
  ASSERT_EQ(query->items.size(), 1u);
  EXPECT_EQ(query->items[0], r->push.item);
}

TEST_F(RosterLogicTest, UpdateReplacesNameAndGroupsAndKeepsSubscription) {
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "Romeo", {"Friends"})));
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe));
  auto r = logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "R", {"A", "B"}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->push.item.name, "R");
  EXPECT_EQ(r->push.item.groups, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(r->push.item.ask, "subscribe");  // untouched by the roster set
  EXPECT_EQ(r->push.version, "3");
}

TEST_F(RosterLogicTest, ClientSubscriptionAttributesAreIgnored) {
  auto wire = wireItem(std::string(kRomeo), "Romeo");
  wire.subscription = "both";
  wire.ask = "subscribe";
  wire.approved = true;
  auto r = logic_.setItem(kJuliet, wire);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->push.item.subscription, "none");
  EXPECT_EQ(r->push.item.ask, "");
  EXPECT_FALSE(r->push.item.approved);
  EXPECT_EQ(item(kJuliet, kRomeo).subscription, Subscription::kNone);
}

TEST_F(RosterLogicTest, UnchangedSetStillPushesButKeepsVersion) {
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "Romeo")));
  auto r = logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "Romeo"));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->changed);
  EXPECT_EQ(r->push.version, "1");
  EXPECT_EQ(version(kJuliet), 1);
}

TEST_F(RosterLogicTest, VersionUnchangedAnswer) {
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo))));
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kNurse))));
  auto current = logic_.getRoster(kJuliet, "2");
  ASSERT_TRUE(current);
  EXPECT_TRUE(current->unchanged);
  EXPECT_EQ(current->version, "2");
  EXPECT_TRUE(current->items.empty());

  auto stale = logic_.getRoster(kJuliet, "1");
  ASSERT_TRUE(stale);
  EXPECT_FALSE(stale->unchanged);
  EXPECT_EQ(stale->items.size(), 2u);

  auto empty = logic_.getRoster(kJuliet, "");  // XEP-0237: ver='' asks for the full roster
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->unchanged);
  EXPECT_EQ(empty->items.size(), 2u);
}

TEST_F(RosterLogicTest, VersionIncreasesWithEveryEffectiveChange) {
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo))));
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "x")));
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "x")));  // no-op
  ASSERT_TRUE(logic_.removeItem(kJuliet, kRomeo));
  EXPECT_EQ(version(kJuliet), 3);
  EXPECT_EQ(version(kRomeo), 0);  // per user
}

TEST_F(RosterLogicTest, ValidationErrors) {
  auto err = [&](stanza::RosterItem wire) {
    auto r = logic_.setItem(kJuliet, wire);
    EXPECT_FALSE(r);
    return r ? RosterError::kInternal : r.error();
  };
  EXPECT_EQ(err(wireItem("")), RosterError::kJidMalformed);
  EXPECT_EQ(err(wireItem("@example.com")), RosterError::kJidMalformed);
  EXPECT_EQ(err(wireItem("romeo@example.net/orchard")), RosterError::kBadRequest);
  EXPECT_EQ(err(wireItem("JULIET@example.com")), RosterError::kNotAllowed);  // own JID
  EXPECT_EQ(err(wireItem(std::string(kRomeo), "", {""})), RosterError::kNotAcceptable);
  EXPECT_EQ(err(wireItem(std::string(kRomeo), "", {"a", "b", "a"})), RosterError::kBadRequest);
  EXPECT_EQ(err(wireItem(std::string(kRomeo), std::string(1024, 'n'))),
            RosterError::kNotAcceptable);
  EXPECT_EQ(err(wireItem(std::string(kRomeo), "", {std::string(1024, 'g')})),
            RosterError::kNotAcceptable);
  EXPECT_EQ(err(wireItem(std::string(kRomeo), "", std::vector<std::string>(65, "g"))),
            RosterError::kNotAcceptable);
  EXPECT_EQ(version(kJuliet), 0);  // nothing was written

  auto badUser = logic_.setItem("juliet@example.com/balcony", wireItem(std::string(kRomeo)));
  ASSERT_FALSE(badUser);
  EXPECT_EQ(badUser.error(), RosterError::kBadRequest);
}

TEST_F(RosterLogicTest, DomainOnlyContactIsFine) {
  auto r = logic_.setItem(kJuliet, wireItem("irc.example.org", "IRC gateway"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->contact, "irc.example.org");
}

class SmallRosterTest : public RosterLogicTest {
 protected:
  SmallRosterTest() : RosterLogicTest(RosterConfig{.maxItems = 2}) {}
};

TEST_F(SmallRosterTest, FullRosterRefusesNewItemsButUpdatesOldOnes) {
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo))));
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kNurse))));
  auto r = logic_.setItem(kJuliet, wireItem("tybalt@example.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RosterError::kNotAllowed);
  EXPECT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "Romeo")));
}

TEST_F(RosterLogicTest, RemoveWithoutSubscriptionPushesRemoveOnly) {
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kNurse), "Nurse", {"Servants"})));
  auto r = logic_.removeItem(kJuliet, kNurse);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->push.item.jid, kNurse);
  EXPECT_EQ(r->push.item.subscription, "remove");
  EXPECT_TRUE(r->push.item.groups.empty());
  EXPECT_EQ(r->push.version, "2");
  EXPECT_TRUE(r->routeToContact.empty());
  EXPECT_EQ(r->presence, PresenceAction::kNone);
  EXPECT_FALSE(hasItem(kJuliet, kNurse));
  EXPECT_TRUE(logic_.getRoster(kJuliet, std::nullopt)->items.empty());
}

TEST_F(RosterLogicTest, RemoveUnknownItemIsItemNotFound) {
  auto r = logic_.removeItem(kJuliet, kNurse);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RosterError::kItemNotFound);
  EXPECT_EQ(version(kJuliet), 0);
}

// RFC 6121 §2.5.2: removing an item cancels the subscriptions in both directions.
TEST_F(RosterLogicTest, RemoveBothSendsUnsubscribeAndUnsubscribed) {
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribed, ""));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe, ""));
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribed));
  ASSERT_EQ(item(kJuliet, kRomeo).subscription, Subscription::kBoth);

  auto r = logic_.removeItem(kJuliet, "romeo@example.net/orchard");  // reduced to bare
  ASSERT_TRUE(r);
  ASSERT_EQ(r->routeToContact.size(), 2u);
  EXPECT_EQ(r->routeToContact[0].type(), "unsubscribe");
  EXPECT_EQ(r->routeToContact[1].type(), "unsubscribed");
  for (const auto& s : r->routeToContact) {
    EXPECT_EQ(s.kind(), v1::STANZA_KIND_PRESENCE);
    EXPECT_EQ(s.from(), kJuliet);
    EXPECT_EQ(s.to(), kRomeo);
  }
  EXPECT_EQ(r->presence, PresenceAction::kSendUnavailable);
  EXPECT_FALSE(hasItem(kJuliet, kRomeo));
}

TEST_F(RosterLogicTest, RemoveToSendsUnsubscribeOnly) {
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribed, ""));
  auto r = logic_.removeItem(kJuliet, kRomeo);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->routeToContact.size(), 1u);
  EXPECT_EQ(r->routeToContact[0].type(), "unsubscribe");
  EXPECT_EQ(r->presence, PresenceAction::kNone);
}

TEST_F(RosterLogicTest, RemovePendingOutCancelsTheRequest) {
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe));
  auto r = logic_.removeItem(kJuliet, kRomeo);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->routeToContact.size(), 1u);
  EXPECT_EQ(r->routeToContact[0].type(), "unsubscribe");
}

TEST_F(RosterLogicTest, RosterSetDispatches) {
  stanza::RosterQuery set;
  set.items.push_back(wireItem(std::string(kRomeo), "Romeo"));
  auto added = logic_.rosterSet(kJuliet, set);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->push.item.subscription, "none");

  set.items[0].subscription = "remove";
  auto removed = logic_.rosterSet(kJuliet, set);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->push.item.subscription, "remove");

  set.items.push_back(wireItem(std::string(kNurse)));
  auto two = logic_.rosterSet(kJuliet, set);
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error(), RosterError::kBadRequest);
  auto none = logic_.rosterSet(kJuliet, stanza::RosterQuery{});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), RosterError::kBadRequest);
}

TEST_F(RosterLogicTest, PresenceTargets) {
  // romeo: both; nurse: to; tybalt: from; benvolio: none (pending out only).
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribed, ""));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe, ""));
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribed));
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kNurse, SubscriptionType::kSubscribe));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kNurse, SubscriptionType::kSubscribed, ""));
  ASSERT_TRUE(
      logic_.inboundSubscription(kJuliet, "tybalt@example.com", SubscriptionType::kSubscribe, ""));
  ASSERT_TRUE(
      logic_.outboundSubscription(kJuliet, "tybalt@example.com", SubscriptionType::kSubscribed));
  ASSERT_TRUE(
      logic_.outboundSubscription(kJuliet, "benvolio@example.net", SubscriptionType::kSubscribe));

  auto t = logic_.presenceTargets(kJuliet);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->probe, (std::vector<std::string>{"nurse@example.com", "romeo@example.net"}));
  EXPECT_EQ(t->broadcast, (std::vector<std::string>{"romeo@example.net", "tybalt@example.com"}));
}

TEST_F(RosterLogicTest, StoreOutageIsServiceUnavailable) {
  rosters_.setUnavailable(true);
  auto r = logic_.setItem(kJuliet, wireItem(std::string(kRomeo)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RosterError::kServiceUnavailable);
  EXPECT_EQ(stanzaErrorCondition(r.error()), "service-unavailable");
  EXPECT_EQ(stanzaErrorType(r.error()), "wait");
  auto g = logic_.getRoster(kJuliet, std::nullopt);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error(), RosterError::kServiceUnavailable);
}

}  // namespace
}  // namespace xmpp::roster::testing

// Presence subscriptions through RosterLogic and the store (RFC 6121 §3): what is stored,
// pushed, routed, delivered and re-delivered.

#include "fixture.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::roster::testing {
namespace {

using storage::Subscription;
using T = SubscriptionType;

std::string subscribeBytes(std::string_view from, std::string_view to, std::string_view id,
                           std::string_view status) {
  v1::Stanza s = makePresence(from, to, "subscribe");
  s.set_id(std::string(id));
  stanza::addTextChild(*s.mutable_element(), "status", ns::kClient, status);
  return serialize(s);
}

TEST_F(RosterLogicTest, OutboundSubscribeAddsItemWithAskAndRoutesStampedStanza) {
  v1::Stanza original = makePresence("", "Romeo@Example.net/orchard", "subscribe");
  original.set_id("sub1");
  auto r = logic_.outboundSubscription(kJuliet, "Romeo@Example.net/orchard", T::kSubscribe,
                                       serialize(original));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->contact, kRomeo);
  EXPECT_EQ(r->before, SubState::kNone);
  EXPECT_EQ(r->after, SubState::kNonePendingOut);
  ASSERT_TRUE(r->push);
  EXPECT_EQ(r->push->item.jid, kRomeo);
  EXPECT_EQ(r->push->item.subscription, "none");
  EXPECT_EQ(r->push->item.ask, "subscribe");
  EXPECT_EQ(r->push->version, "1");
  ASSERT_TRUE(r->routeToContact);
  EXPECT_EQ(r->routeToContact->from(), kJuliet);  // bare JID, RFC 6121 §3.1.2
  EXPECT_EQ(r->routeToContact->to(), kRomeo);
  EXPECT_EQ(r->routeToContact->type(), "subscribe");
  EXPECT_EQ(r->routeToContact->id(), "sub1");
  EXPECT_FALSE(r->deliverToUser);
  EXPECT_FALSE(r->autoReply);
  EXPECT_FALSE(item(kJuliet, kRomeo).hidden);
}

TEST_F(RosterLogicTest, InboundSubscribeIsDeliveredAndKeptButNotInTheRoster) {
  auto r = logic_.inboundSubscription(
      kJuliet, "romeo@example.net/orchard", T::kSubscribe,
      subscribeBytes("romeo@example.net/orchard", kJuliet, "s1", "I am Romeo"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->after, SubState::kNonePendingIn);
  EXPECT_FALSE(r->push);  // pending in is not visible in the roster
  ASSERT_TRUE(r->deliverToUser);
  EXPECT_EQ(r->deliverToUser->from(), kRomeo);
  EXPECT_EQ(r->deliverToUser->to(), kJuliet);
  EXPECT_EQ(r->deliverToUser->id(), "s1");
  EXPECT_EQ(stanza::childText(r->deliverToUser->element(), "status", ns::kClient), "I am Romeo");

  const auto stored = item(kJuliet, kRomeo);
  EXPECT_TRUE(stored.hidden);
  EXPECT_TRUE(stored.pendingIn);
  EXPECT_TRUE(logic_.getRoster(kJuliet, std::nullopt)->items.empty());
  EXPECT_TRUE(logic_.presenceTargets(kJuliet)->broadcast.empty());
}

TEST_F(RosterLogicTest, PendingInboundIsRedeliveredUntilAnswered) {
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe,
                                         subscribeBytes(kRomeo, kJuliet, "s1", "hi")));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kNurse, T::kSubscribe, ""));
  // A duplicate request is neither delivered again nor replaces the stored one (A.3.1).
  auto dup = logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe,
                                        subscribeBytes(kRomeo, kJuliet, "s2", "again"));
  ASSERT_TRUE(dup);
  EXPECT_FALSE(dup->deliverToUser);

  for (int login = 0; login < 2; ++login) {
    auto pending = logic_.pendingInbound(kJuliet);
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 2u);
    EXPECT_EQ((*pending)[0].from(), kNurse);  // no original bytes: rebuilt
    EXPECT_EQ((*pending)[0].to(), kJuliet);
    EXPECT_EQ((*pending)[0].type(), "subscribe");
    EXPECT_EQ((*pending)[1].from(), kRomeo);
    EXPECT_EQ((*pending)[1].id(), "s1");
    EXPECT_EQ(stanza::childText((*pending)[1].element(), "status", ns::kClient), "hi");
  }

  // Approving one and denying the other empties the list.
  auto approve = logic_.outboundSubscription(kJuliet, kRomeo, T::kSubscribed);
  ASSERT_TRUE(approve);
  EXPECT_EQ(approve->after, SubState::kFrom);
  ASSERT_TRUE(approve->push);  // the contact now appears in the roster
  EXPECT_EQ(approve->push->item.subscription, "from");
  ASSERT_TRUE(approve->routeToContact);
  EXPECT_EQ(approve->routeToContact->type(), "subscribed");
  EXPECT_EQ(approve->presence, PresenceAction::kSendCurrent);
  EXPECT_FALSE(item(kJuliet, kRomeo).hidden);
  EXPECT_TRUE(item(kJuliet, kRomeo).pendingInStanza.empty());

  auto deny = logic_.outboundSubscription(kJuliet, kNurse, T::kUnsubscribed);
  ASSERT_TRUE(deny);
  EXPECT_EQ(deny->after, SubState::kNone);
  EXPECT_FALSE(deny->push);
  ASSERT_TRUE(deny->routeToContact);
  EXPECT_EQ(deny->routeToContact->type(), "unsubscribed");
  EXPECT_EQ(deny->presence, PresenceAction::kNone);
  EXPECT_FALSE(hasItem(kJuliet, kNurse));  // the hidden item is gone

  EXPECT_TRUE(logic_.pendingInbound(kJuliet)->empty());
}

TEST_F(RosterLogicTest, WithdrawnRequestForgetsTheStranger) {
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe, ""));
  auto r = logic_.inboundSubscription(kJuliet, kRomeo, T::kUnsubscribe, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->after, SubState::kNone);
  EXPECT_TRUE(r->deliverToUser);  // A.3.2: the client learns the request is withdrawn
  EXPECT_FALSE(r->push);
  EXPECT_FALSE(hasItem(kJuliet, kRomeo));
  EXPECT_EQ(rosters_.countItems(kJuliet).value(), 0u);
}

TEST_F(RosterLogicTest, PendingInOnAListedContactKeepsTheItem) {
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem(std::string(kRomeo), "Romeo")));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe, ""));
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, T::kUnsubscribed));
  const auto stored = item(kJuliet, kRomeo);
  EXPECT_EQ(stored.name, "Romeo");
  EXPECT_FALSE(stored.pendingIn);
}

TEST_F(RosterLogicTest, UnsolicitedSubscribedIsIgnored) {
  auto r = logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribed, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->after, SubState::kNone);
  EXPECT_FALSE(r->deliverToUser);
  EXPECT_FALSE(r->push);
  EXPECT_FALSE(hasItem(kJuliet, kRomeo));
  EXPECT_EQ(version(kJuliet), 0);
}

TEST_F(RosterLogicTest, SubscribeFromExistingSubscriberIsAutoAnswered) {
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe, ""));
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, T::kSubscribed));
  const auto before = version(kJuliet);
  auto r = logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->after, SubState::kFrom);
  EXPECT_FALSE(r->deliverToUser);
  ASSERT_TRUE(r->autoReply);
  EXPECT_EQ(r->autoReply->type(), "subscribed");
  EXPECT_EQ(r->autoReply->from(), kJuliet);
  EXPECT_EQ(r->autoReply->to(), kRomeo);
  EXPECT_EQ(r->presence, PresenceAction::kSendCurrent);
  EXPECT_EQ(version(kJuliet), before);
}

TEST_F(RosterLogicTest, PreApprovalFlow) {
  auto pre = logic_.outboundSubscription(kJuliet, kRomeo, T::kSubscribed);
  ASSERT_TRUE(pre);
  EXPECT_FALSE(pre->routeToContact);  // A.2.3: MUST NOT route in "None"
  ASSERT_TRUE(pre->push);
  EXPECT_TRUE(pre->push->item.approved);
  EXPECT_EQ(pre->push->item.subscription, "none");
  EXPECT_TRUE(item(kJuliet, kRomeo).approved);

  auto sub = logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe, "");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->after, SubState::kFrom);
  EXPECT_FALSE(sub->deliverToUser);
  ASSERT_TRUE(sub->autoReply);
  EXPECT_EQ(sub->presence, PresenceAction::kSendCurrent);
  ASSERT_TRUE(sub->push);
  EXPECT_EQ(sub->push->item.subscription, "from");
  EXPECT_FALSE(sub->push->item.approved);
  EXPECT_TRUE(logic_.pendingInbound(kJuliet)->empty());
}

TEST_F(RosterLogicTest, PreApprovalCanBeCancelled) {
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, T::kSubscribed));
  auto cancel = logic_.outboundSubscription(kJuliet, kRomeo, T::kUnsubscribed);
  ASSERT_TRUE(cancel);
  EXPECT_FALSE(cancel->routeToContact);
  ASSERT_TRUE(cancel->push);
  EXPECT_FALSE(cancel->push->item.approved);
  // The user had listed the contact by pre-approving, so the item stays, plain "none".
  EXPECT_EQ(item(kJuliet, kRomeo).subscription, Subscription::kNone);
  auto sub = logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe, "");
  ASSERT_TRUE(sub);
  EXPECT_TRUE(sub->deliverToUser);
  EXPECT_FALSE(sub->autoReply);
}

class NoPreApprovalTest : public RosterLogicTest {
 protected:
  NoPreApprovalTest() : RosterLogicTest(RosterConfig{.preApproval = false}) {}
};

TEST_F(NoPreApprovalTest, SubscribedWithoutRequestIsDropped) {
  auto r = logic_.outboundSubscription(kJuliet, kRomeo, T::kSubscribed);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->routeToContact);
  EXPECT_FALSE(r->push);
  EXPECT_FALSE(hasItem(kJuliet, kRomeo));
}

TEST_F(RosterLogicTest, SubscriptionToSelfIsIgnored) {
  auto r = logic_.outboundSubscription(kJuliet, "juliet@example.com/balcony", T::kSubscribe);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->routeToContact);
  EXPECT_FALSE(r->push);
  EXPECT_EQ(version(kJuliet), 0);
}

TEST_F(RosterLogicTest, MalformedAddresses) {
  auto badContact = logic_.outboundSubscription(kJuliet, "@bad", T::kSubscribe);
  ASSERT_FALSE(badContact);
  EXPECT_EQ(badContact.error(), RosterError::kJidMalformed);
  auto badUser = logic_.inboundSubscription("", kRomeo, T::kSubscribe, "");
  ASSERT_FALSE(badUser);
  EXPECT_EQ(badUser.error(), RosterError::kJidMalformed);
}

// Two users on this server: every stanza one side emits is fed to the other side as inbound,
// as the router would. Ends in a mutual subscription, then in nothing.
TEST_F(RosterLogicTest, TwoUsersReachBothAndBack) {
  auto feed = [&](std::string_view to, const std::optional<v1::Stanza>& s) {
    if (!s) return;
    auto type = parseSubscriptionType(s->type());
    ASSERT_TRUE(type);
    ASSERT_TRUE(logic_.inboundSubscription(to, s->from(), *type, serialize(*s)));
  };
  auto send = [&](std::string_view from, std::string_view to, T type) {
    auto r = logic_.outboundSubscription(from, to, type);
    ASSERT_TRUE(r);
    feed(to, r->routeToContact);
  };

  send(kJuliet, kRomeo, T::kSubscribe);
  EXPECT_EQ(stateOf(item(kRomeo, kJuliet)), SubState::kNonePendingIn);
  send(kRomeo, kJuliet, T::kSubscribed);
  EXPECT_EQ(stateOf(item(kJuliet, kRomeo)), SubState::kTo);
  EXPECT_EQ(stateOf(item(kRomeo, kJuliet)), SubState::kFrom);
  send(kRomeo, kJuliet, T::kSubscribe);
  send(kJuliet, kRomeo, T::kSubscribed);
  EXPECT_EQ(stateOf(item(kJuliet, kRomeo)), SubState::kBoth);
  EXPECT_EQ(stateOf(item(kRomeo, kJuliet)), SubState::kBoth);

  send(kJuliet, kRomeo, T::kUnsubscribe);
  EXPECT_EQ(stateOf(item(kJuliet, kRomeo)), SubState::kFrom);
  EXPECT_EQ(stateOf(item(kRomeo, kJuliet)), SubState::kTo);
  send(kJuliet, kRomeo, T::kUnsubscribed);
  EXPECT_EQ(stateOf(item(kJuliet, kRomeo)), SubState::kNone);
  EXPECT_EQ(stateOf(item(kRomeo, kJuliet)), SubState::kNone);
}

}  // namespace
// Issue 9 case 13: requests from strangers create roster items, so they count against the
// roster's size; a stored request is bounded in bytes.
class SubscriptionBoundsTest : public RosterLogicTest {
 protected:
  SubscriptionBoundsTest()
      : RosterLogicTest(RosterConfig{.maxItems = 2, .maxPendingStanzaBytes = 200}) {}
};

TEST_F(SubscriptionBoundsTest, case13_ASubscribeFromAStrangerToAFullRosterIsRefused) {
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe, ""));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kNurse, T::kSubscribe, ""));
  auto third = logic_.inboundSubscription(kJuliet, "tybalt@capulet.lit", T::kSubscribe, "");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error(), RosterError::kNotAllowed);
  EXPECT_FALSE(hasItem(kJuliet, "tybalt@capulet.lit"));
  // A contact already in the roster may still ask again.
  EXPECT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe, ""));
}

TEST_F(SubscriptionBoundsTest, case13_AStoredRequestIsBoundedInBytes) {
  ASSERT_TRUE(
      logic_.inboundSubscription(kJuliet, kRomeo, T::kSubscribe,
                                 subscribeBytes(kRomeo, kJuliet, "s1", std::string(500, 'x'))));
  EXPECT_LE(item(kJuliet, kRomeo).pendingInStanza.size(), 200u);
  auto pending = logic_.pendingInbound(kJuliet);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].from(), kRomeo);
  EXPECT_EQ((*pending)[0].type(), "subscribe");
}

}  // namespace xmpp::roster::testing

// Presence subscriptions (RFC 6121 §3) between local users, through the real roster logic.

#include <string>

#include "fixture.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class SubscriptionTest : public RouterTest {
 protected:
  // Roster pushes a session received, as XML.
  std::vector<std::string> pushes(const Client& c) {
    std::vector<std::string> out;
    for (const auto& x : received(c)) {
      if (x.find("<iq") == 0 && x.find("jabber:iq:roster") != std::string::npos) out.push_back(x);
    }
    return out;
  }
};

TEST_F(SubscriptionTest, FullHandshakeEndsInBothWithPushesAndPresence) {
  Client alice = bind("alice", "phone");
  Client alice2 = bind("alice", "tablet");  // never asks for the roster: gets no pushes
  Client bob = bind("bob", "pc");
  requestRoster(alice);
  requestRoster(bob);
  available(alice);
  available(alice2);
  available(bob, 0, "away");
  ASSERT_TRUE(interested(alice));
  ASSERT_FALSE(interested(alice2));
  sink_.clear();

  // 1. alice -> bob: subscribe.
  send(alice, "<presence to='bob@example.com' type='subscribe' id='s1'/>");
  EXPECT_THAT(pushes(alice),
              ElementsAre(AllOf(HasSubstr("to=\"alice@example.com/phone\""), HasSubstr("id=\"push"),
                                HasSubstr("<item jid=\"bob@example.com\" subscription=\"none\" "
                                          "ask=\"subscribe\"/>"))));
  EXPECT_THAT(pushes(alice2), IsEmpty());
  EXPECT_THAT(received(bob), ElementsAre("<presence from=\"alice@example.com\" "
                                         "to=\"bob@example.com\" id=\"s1\" type=\"subscribe\"/>"));
  sink_.clear();

  // 2. bob -> alice: subscribed.
  send(bob, "<presence to='alice@example.com' type='subscribed'/>");
  EXPECT_THAT(pushes(bob), ElementsAre(HasSubstr("<item jid=\"alice@example.com\" "
                                                 "subscription=\"from\"/>")));
  EXPECT_THAT(pushes(alice), ElementsAre(HasSubstr("<item jid=\"bob@example.com\" "
                                                   "subscription=\"to\"/>")));
  // alice's resources get the 'subscribed' and bob's current presence.
  for (const auto& c : {alice, alice2}) {
    EXPECT_THAT(presences(c), ElementsAre(AllOf(HasSubstr("from=\"bob@example.com\""),
                                                HasSubstr("type=\"subscribed\"")),
                                          "<presence from=\"bob@example.com/pc\" "
                                          "to=\"alice@example.com\"><show>away</show></presence>"));
  }
  sink_.clear();

  // 3. bob -> alice: subscribe; 4. alice -> bob: subscribed.
  send(bob, "<presence to='alice@example.com' type='subscribe'/>");
  EXPECT_THAT(presences(alice), ElementsAre(HasSubstr("type=\"subscribe\"")));
  sink_.clear();
  send(alice, "<presence to='bob@example.com' type='subscribed'/>");
  EXPECT_THAT(pushes(alice), ElementsAre(HasSubstr("subscription=\"both\"")));
  EXPECT_THAT(pushes(bob), ElementsAre(HasSubstr("subscription=\"both\"")));
  EXPECT_THAT(
      presences(bob),
      ElementsAre(HasSubstr("type=\"subscribed\""),
                  AllOf(HasSubstr("from=\"alice@example.com/phone\""), Not(HasSubstr("type="))),
                  AllOf(HasSubstr("from=\"alice@example.com/tablet\""), Not(HasSubstr("type=")))));

  EXPECT_EQ(roster_.item("alice@example.com", "bob@example.com").subscription,
            storage::Subscription::kBoth);
  EXPECT_EQ(roster_.item("bob@example.com", "alice@example.com").subscription,
            storage::Subscription::kBoth);

  // From now on presence flows both ways.
  sink_.clear();
  available(bob, 0, "chat");
  EXPECT_THAT(presences(alice), ElementsAre(HasSubstr("<show>chat</show>")));
}

TEST_F(SubscriptionTest, UnsubscribedEndsTheSubscriptionAndSendsUnavailable) {
  befriend("alice", "bob");
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "pc");
  available(alice);
  available(bob);
  sink_.clear();
  send(alice, "<presence to='bob@example.com' type='unsubscribed'/>");
  EXPECT_EQ(roster_.item("alice@example.com", "bob@example.com").subscription,
            storage::Subscription::kTo);
  EXPECT_EQ(roster_.item("bob@example.com", "alice@example.com").subscription,
            storage::Subscription::kFrom);
  EXPECT_THAT(presences(bob), Contains(AllOf(HasSubstr("from=\"alice@example.com/phone\""),
                                             HasSubstr("type=\"unavailable\""))));
}

TEST_F(SubscriptionTest, SubscribeToNoSuchLocalUserComesBackUnsubscribed) {
  Client alice = bind("alice", "phone");
  requestRoster(alice);
  available(alice);
  sink_.clear();
  send(alice, "<presence to='nobody@example.com' type='subscribe'/>");
  EXPECT_FALSE(roster_.item("alice@example.com", "nobody@example.com").askOut);
  EXPECT_THAT(presences(alice), ElementsAre(AllOf(HasSubstr("from=\"nobody@example.com\""),
                                                  HasSubstr("type=\"unsubscribed\""))));
}

TEST_F(SubscriptionTest, SubscribeToARemoteDomainIsRemoteServerNotFound) {
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();
  send(alice, "<presence to='romeo@example.net' type='subscribe' id='x'/>");
  EXPECT_TRUE(roster_.item("alice@example.com", "romeo@example.net").askOut);
  EXPECT_THAT(received(alice), ElementsAre(AllOf(HasSubstr("from=\"romeo@example.net\""),
                                                 HasSubstr("to=\"alice@example.com/phone\""),
                                                 HasSubstr("id=\"x\""), HasSubstr("type=\"error\""),
                                                 HasSubstr("<remote-server-not-found"))));
}

TEST_F(SubscriptionTest, InvalidSubscriptionIsBouncedFromTheRosterServiceCondition) {
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();
  roster_.failing = true;
  send(alice, "<presence to='bob@example.com' type='subscribe'/>");
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<error type=\"wait\"><service-unavailable")));
}

// A userdata service that always answers with a stanza to route back: the router must stop.
class PingPongRoster final : public RosterClient {
 public:
  BackendStatus getRoster(const v1::GetRosterRequest&, v1::GetRosterResponse*) override {
    return backendOk();
  }
  BackendStatus setItem(const v1::SetItemRequest&, v1::RosterEffects*) override {
    return backendOk();
  }
  BackendStatus processSubscription(const v1::SubscriptionRequest& r,
                                    v1::SubscriptionResponse* o) override {
    ++calls;
    v1::Stanza* back = o->mutable_effects()->add_route();
    back->set_kind(v1::STANZA_KIND_PRESENCE);
    back->set_from(r.user());
    back->set_to(r.contact());
    back->set_type("subscribed");
    back->mutable_element()->set_name("presence");
    back->mutable_element()->set_ns("jabber:client");
    return backendOk();
  }
  BackendStatus presenceTargets(const v1::UserRequest&, v1::PresenceTargetsResponse*) override {
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
  int calls = 0;
};

TEST_F(SubscriptionTest, AutomaticRepliesCannotLoopForever) {
  PingPongRoster roster;
  RouterLimits limits;
  limits.maxEffectDepth = 4;
  RouterCore core(directory_, roster, accounts_, sink_, config(), limits);
  v1::Stanza s = parseStanza("<presence to='bob@example.com' type='subscribe'/>");
  s.set_from("alice@example.com/phone");
  core.onStanza("gw1/99", s);
  EXPECT_EQ(roster.calls, 1 + limits.maxEffectDepth);  // the outbound call + 4 inbound hops
  EXPECT_GT(core.stats().dropped, 0u);
}

}  // namespace
}  // namespace xmpp::router::testing

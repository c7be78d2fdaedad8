// Presence (RFC 6121 §4): initial presence, probes, broadcasts, directed and unavailable.

#include <algorithm>
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
using ::testing::UnorderedElementsAre;

class PresenceTest : public RouterTest {};

TEST_F(PresenceTest, InitialPresenceBroadcastsProbesAndFetchesEverythingInOneDirectoryCall) {
  befriend("alice", "bob");
  befriend("alice", "carol");
  // dave only sees alice (dave has 'to', alice has 'from'): alice broadcasts to dave but does
  // not probe him.
  roster_.setSubscription("alice@example.com", "dave@example.com", storage::Subscription::kFrom);
  roster_.setSubscription("dave@example.com", "alice@example.com", storage::Subscription::kTo);

  Client bob = bind("bob", "pc");
  Client carol1 = bind("carol", "one");
  Client carol2 = bind("carol", "two");
  Client dave = bind("dave", "x");
  available(bob, 0, "away");
  available(carol1, 1);
  available(carol2, 2);
  available(dave);
  bind("carol", "three");  // bound, never available: neither probed nor told
  Client alice = bind("alice", "phone");
  sink_.clear();
  const int sessionsOfBefore = directory_.sessionsOfCalls;
  const int sessionsBefore = directory_.sessionsCalls;

  send(alice, "<presence><status>hello</status></presence>");

  // One sessionsOf for the whole fan-out (plus one for the offline fetch path: none).
  EXPECT_EQ(directory_.sessionsOfCalls - sessionsOfBefore, 1);
  EXPECT_EQ(directory_.sessionsCalls - sessionsBefore, 0);

  const std::string presence =
      "<presence from=\"alice@example.com/phone\" to=\"%s\"><status>hello</status></presence>";
  auto expected = [&](const std::string& to) {
    std::string s = presence;
    s.replace(s.find("%s"), 2, to);
    return s;
  };
  EXPECT_THAT(received(bob), ElementsAre(expected("bob@example.com")));
  EXPECT_THAT(received(carol1), ElementsAre(expected("carol@example.com")));
  EXPECT_THAT(received(carol2), ElementsAre(expected("carol@example.com")));
  EXPECT_THAT(received(dave), ElementsAre(expected("dave@example.com")));

  // Alice: her own presence (RFC 6121 §4.2.2), then her contacts' presence as probe answers.
  EXPECT_THAT(received(alice),
              ElementsAre(expected("alice@example.com"),
                          "<presence from=\"bob@example.com/pc\" to=\"alice@example.com/phone\">"
                          "<show>away</show></presence>",
                          "<presence from=\"carol@example.com/one\" "
                          "to=\"alice@example.com/phone\"><priority>1</priority></presence>",
                          "<presence from=\"carol@example.com/two\" "
                          "to=\"alice@example.com/phone\"><priority>2</priority></presence>"));
}

TEST_F(PresenceTest, SubsequentPresenceIsBroadcastWithoutProbes) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();

  available(alice, 0, "dnd");
  EXPECT_THAT(received(bob), ElementsAre(HasSubstr("<show>dnd</show>")));
  // Only her own echo: no probe answers this time.
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<show>dnd</show>")));
}

TEST_F(PresenceTest, OwnResourcesSeeEachOther) {
  Client a1 = bind("alice", "phone");
  available(a1, 1);
  Client a2 = bind("alice", "pc");
  sink_.clear();
  available(a2, 2);

  EXPECT_THAT(received(a1), ElementsAre(AllOf(HasSubstr("from=\"alice@example.com/pc\""),
                                              HasSubstr("to=\"alice@example.com\""))));
  EXPECT_THAT(received(a2),
              ElementsAre(HasSubstr("from=\"alice@example.com/pc\""),
                          "<presence from=\"alice@example.com/phone\" "
                          "to=\"alice@example.com/pc\"><priority>1</priority></presence>"));
}

TEST_F(PresenceTest, UnavailableGoesToSubscribersOwnResourcesAndDirectedTargets) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  Client carol = bind("carol", "pc");  // no subscription: gets directed presence only
  Client a2 = bind("alice", "pc");
  available(bob);
  available(carol);
  available(a2);
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();
  send(alice, "<presence to='carol@example.com/pc'><show>chat</show></presence>");
  EXPECT_THAT(received(carol), ElementsAre("<presence from=\"alice@example.com/phone\" "
                                           "to=\"carol@example.com/pc\"><show>chat</show>"
                                           "</presence>"));
  EXPECT_EQ(core_.directedPresenceSessions(), 1u);
  sink_.clear();

  unavailable(alice);
  const auto isUnavailable =
      AllOf(HasSubstr("from=\"alice@example.com/phone\""), HasSubstr("type=\"unavailable\""));
  EXPECT_THAT(received(bob), ElementsAre(isUnavailable));
  EXPECT_THAT(received(carol),
              ElementsAre(AllOf(isUnavailable, HasSubstr("to=\"carol@example.com/pc\""))));
  EXPECT_THAT(received(a2), ElementsAre(isUnavailable));
  EXPECT_THAT(received(alice), ElementsAre(isUnavailable));  // the sender too (RFC 6121 §4.5.2)
  EXPECT_EQ(core_.directedPresenceSessions(), 0u);

  // Forgotten: ending the session later sends carol nothing more.
  sink_.clear();
  end(alice, false);
  EXPECT_THAT(received(carol), IsEmpty());
}

TEST_F(PresenceTest, DirectedUnavailableForgetsTheTarget) {
  Client alice = bind("alice", "phone");
  Client carol = bind("carol", "pc");
  available(alice);
  available(carol);
  send(alice, "<presence to='carol@example.com'/>");
  EXPECT_EQ(core_.directedPresenceSessions(), 1u);
  send(alice, "<presence to='carol@example.com' type='unavailable'/>");
  EXPECT_EQ(core_.directedPresenceSessions(), 0u);
  sink_.clear();
  end(alice);
  EXPECT_THAT(received(carol), IsEmpty());
}

TEST_F(PresenceTest, DirectedPresenceWithoutBroadcastIsUndoneAtSessionEnd) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  Client carol = bind("carol", "pc");
  available(bob);
  available(carol);
  Client alice = bind("alice", "phone");  // never sends broadcast presence
  send(alice, "<presence to='carol@example.com'/>");
  sink_.clear();
  end(alice, false);
  EXPECT_THAT(received(carol), ElementsAre("<presence from=\"alice@example.com/phone\" "
                                           "to=\"carol@example.com\" type=\"unavailable\"/>"));
  EXPECT_THAT(received(bob), IsEmpty());  // bob never saw alice available
}

TEST_F(PresenceTest, DirectedPresenceToABareJidReachesAllAvailableResources) {
  Client alice = bind("alice", "phone");
  Client c1 = bind("carol", "a");
  Client c2 = bind("carol", "b");
  Client c3 = bind("carol", "c");  // not available
  available(c1, -1);
  available(c2, 3);
  sink_.clear();
  send(alice, "<presence to='carol@example.com'/>");
  EXPECT_THAT(received(c1), SizeIs(1));
  EXPECT_THAT(received(c2), SizeIs(1));
  EXPECT_THAT(received(c3), IsEmpty());
}

TEST_F(PresenceTest, DirectedPresenceToSubscribersIsNotSentTwiceOnUnavailable) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone");
  available(alice);
  send(alice, "<presence to='bob@example.com/pc'/>");
  sink_.clear();
  end(alice);
  EXPECT_THAT(received(bob), ElementsAre(HasSubstr("type=\"unavailable\"")));
}

TEST_F(PresenceTest, DirectedPresenceIsBounded) {
  RouterLimits limits;
  limits.maxDirectedPerSession = 2;
  RouterCore core(directory_, roster_, accounts_, sink_, config(), limits);
  Client alice{"gwx/1", "gwx", "alice@example.com/phone", "alice@example.com"};
  core.onSessionBound(info(alice, false, 0, {}));
  for (const char* to : {"bob@example.com", "carol@example.com", "dave@example.com"}) {
    v1::Stanza p = parseStanza(std::string("<presence to='") + to + "'/>");
    p.set_from(alice.fullJid);
    core.onStanza(alice.sessionId, p);
  }
  EXPECT_EQ(core.directedPresenceSessions(), 1u);
  Client dave = bind("dave", "pc");
  available(dave);
  sink_.clear();
  v1::SessionEnded e;
  e.set_session_id(alice.sessionId);
  e.set_full_jid(alice.fullJid);
  e.set_was_available(true);
  core.onSessionEnded(e);
  EXPECT_THAT(received(dave), IsEmpty());  // the third target was not remembered
  EXPECT_EQ(core.directedPresenceSessions(), 0u);
}

TEST_F(PresenceTest, PendingSubscriptionRequestsAreDeliveredAtLogin) {
  Client alice = bind("alice", "phone");
  send(alice, "<presence to='bob@example.com' type='subscribe' id='s1'/>");
  Client bob = bind("bob", "pc");
  sink_.clear();
  available(bob);
  EXPECT_THAT(received(bob), Contains(AllOf(HasSubstr("from=\"alice@example.com\""),
                                            HasSubstr("type=\"subscribe\""))));
}

TEST_F(PresenceTest, ProbesAndPresenceFromClientsAreHandledAsTheRfcSays) {
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "pc");
  available(bob);
  sink_.clear();
  send(alice, "<presence to='bob@example.com' type='probe'/>");  // clients do not probe
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
  send(alice, "<presence type='subscribe'/>");  // no addressee
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
  send(alice,
       "<presence to='bob@example.com/pc' type='error'><error type='cancel'>"
       "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
       "</presence>");
  EXPECT_THAT(received(bob), ElementsAre(HasSubstr("type=\"error\"")));
  sink_.clear();
  send(alice, "<presence to='bob@example.org'/>");  // no server-to-server yet
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<remote-server-not-found")));
  sink_.clear();
  send(alice, "<presence to='bob@example.org' type='error'/>");  // errors are never bounced
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
}

TEST_F(PresenceTest, RosterDownAtLoginStillEchoesAndRetriesProbesLater) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone");
  sink_.clear();
  roster_.failing = true;
  available(alice);
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("from=\"alice@example.com/phone\"")));
  EXPECT_THAT(received(bob), IsEmpty());

  roster_.failing = false;
  sink_.clear();
  available(alice, 0, "away");  // treated as initial again: probes now
  EXPECT_THAT(received(bob), ElementsAre(HasSubstr("<show>away</show>")));
  EXPECT_THAT(received(alice), Contains(HasSubstr("from=\"bob@example.com/pc\"")));
}

}  // namespace
}  // namespace xmpp::router::testing

// Sessions: binding, resource conflicts (RFC 6120 §7.7.2.2), session end, gateway loss.

#include <string>

#include "fixture.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class SessionLifecycleTest : public RouterTest {};

TEST_F(SessionLifecycleTest, BindRegistersTheSession) {
  Client alice = bind("alice", "phone");
  auto s = directory_.inner.find("alice@example.com", "phone");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->session_id(), alice.sessionId);
  EXPECT_EQ(s->gateway_id(), "gw1");
  EXPECT_EQ(core_.trackedSessions(), 1u);
}

TEST_F(SessionLifecycleTest, ConflictClosesTheOlderSessionAndBroadcastsItsUnavailableOnce) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client old = bind("alice", "phone", "gw1");
  available(old);
  sink_.clear();

  Client fresh = bind("alice", "phone", "gw2");
  auto commands = sink_.commands();
  ASSERT_FALSE(commands.empty());
  ASSERT_TRUE(commands[0].close.has_value());
  EXPECT_EQ(commands[0].gateway, "gw1");
  EXPECT_EQ(commands[0].close->session_id(), old.sessionId);
  EXPECT_EQ(commands[0].close->condition(), "conflict");
  EXPECT_EQ(directory_.inner.find("alice@example.com", "phone")->session_id(), fresh.sessionId);
  EXPECT_THAT(received(bob), ElementsAre(AllOf(HasSubstr("from=\"alice@example.com/phone\""),
                                               HasSubstr("type=\"unavailable\""))));
  EXPECT_EQ(core_.stats().conflicts, 1u);

  // The old gateway then reports the session's end: no second broadcast, and the new
  // session stays in the directory.
  sink_.clear();
  end(old);
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
  EXPECT_EQ(directory_.inner.find("alice@example.com", "phone")->session_id(), fresh.sessionId);
}

// Issue 9 case 13: past the resources an account may bind at once, one more bind is refused
// with resource-constraint (RFC 6120 §7.6.2.1); taking over a bound resource still works.
TEST_F(SessionLifecycleTest, case13_ABindPastTheResourcesPerAccountIsAResourceConstraint) {
  for (int i = 0; i < 10; ++i) bind("alice", "r" + std::to_string(i));
  const size_t before = sink_.bindResults().size();
  Client extra = bind("alice", "r10");
  auto results = sink_.bindResults();
  ASSERT_EQ(results.size(), before + 1);
  EXPECT_EQ(results.back().session_id(), extra.sessionId);
  EXPECT_EQ(results.back().condition(), "resource-constraint");
  EXPECT_FALSE(directory_.inner.find("alice@example.com", "r10").has_value());
  sink_.clear();
  Client again = bind("alice", "r3", "gw2");  // the same resource: a conflict, allowed
  EXPECT_EQ(directory_.inner.find("alice@example.com", "r3")->session_id(), again.sessionId);
  EXPECT_EQ(core_.stats().conflicts, 1u);
  EXPECT_EQ(sink_.bindResults().back().condition(), "");
}

TEST_F(SessionLifecycleTest, RebindingTheSameSessionIsNoConflict) {
  Client alice = bind("alice", "phone");
  core_.onSessionBound(info(alice, false, 0, {}));
  for (const auto& c : sink_.commands()) EXPECT_FALSE(c.close.has_value());
}

TEST_F(SessionLifecycleTest, SessionEndBroadcastsUnavailableToSubscribersAndOwnResources) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  Client alice2 = bind("alice", "pc");
  available(bob);
  available(alice2);
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();

  end(alice);
  const auto unavailable =
      AllOf(HasSubstr("from=\"alice@example.com/phone\""), HasSubstr("type=\"unavailable\""));
  EXPECT_THAT(received(bob), ElementsAre(unavailable));
  EXPECT_THAT(received(alice2), ElementsAre(unavailable));
  EXPECT_THAT(received(alice), IsEmpty());  // gone
  EXPECT_FALSE(directory_.inner.find("alice@example.com", "phone").has_value());
  EXPECT_EQ(core_.trackedSessions(), 2u);
}

TEST_F(SessionLifecycleTest, EndOfASessionThatNeverSentPresenceIsQuiet) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone");
  sink_.clear();
  end(alice, false);
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
  EXPECT_EQ(directory_.inner.size(), 1u);
}

TEST_F(SessionLifecycleTest, GatewayGoneEndsEachOfItsSessions) {
  befriend("alice", "bob");
  befriend("carol", "bob");
  Client bob = bind("bob", "pc", "gw2");
  available(bob);
  Client alice = bind("alice", "phone", "gw1");
  Client carol = bind("carol", "pc", "gw1");
  Client idle = bind("dave", "pc", "gw1");
  available(alice);
  available(carol);
  send(alice, "<presence to='bob@example.com/pc'/>");
  sink_.clear();

  core_.onGatewayGone("gw1", directory_.inner.sessionsOnGateway("gw1"));
  EXPECT_THAT(
      received(bob),
      ElementsAre(
          AllOf(HasSubstr("from=\"alice@example.com/phone\""), HasSubstr("type=\"unavailable\"")),
          AllOf(HasSubstr("from=\"carol@example.com/pc\""), HasSubstr("type=\"unavailable\""))));
  EXPECT_THAT(directory_.inner.sessionsOnGateway("gw1"), IsEmpty());
  EXPECT_EQ(core_.trackedSessions(), 1u);  // bob's
  EXPECT_EQ(core_.directedPresenceSessions(), 0u);
  (void)idle;
}

TEST_F(SessionLifecycleTest, DirectoryDownAtSessionEndStillBroadcastsFromLocalState) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();
  directory_.failing = true;
  end(alice);  // the broadcast itself needs the directory too: nothing can be sent
  directory_.failing = false;
  EXPECT_EQ(core_.trackedSessions(), 1u);
  EXPECT_GT(core_.stats().backendErrors, 0u);
}

TEST_F(SessionLifecycleTest, UpdatesReachTheDirectory) {
  Client alice = bind("alice", "phone");
  core_.onSessionUpdated(info(alice, true, 7, std::nullopt, true));
  auto s = directory_.inner.find("alice@example.com", "phone");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->available());
  EXPECT_EQ(s->priority(), 7);
  EXPECT_TRUE(s->interested());
}

TEST_F(SessionLifecycleTest, GarbageIsDroppedNotFatal) {
  v1::SessionInfo bad;
  bad.set_full_jid("no resource@@");
  core_.onSessionBound(bad);
  core_.onSessionUpdated(bad);
  v1::SessionEnded ended;
  ended.set_full_jid("");
  core_.onSessionEnded(ended);
  v1::Stanza unstamped = parseStanza("<message to='bob@example.com'/>");
  core_.onStanza("gw1/1", unstamped);
  v1::Stanza other;
  other.set_kind(v1::STANZA_KIND_OTHER);
  other.set_from("alice@example.com/x");
  core_.onStanza("gw1/1", other);
  EXPECT_THAT(sink_.commands(), IsEmpty());
  EXPECT_GE(core_.stats().dropped, 4u);
}

// Issue 9 case 8: the gateway's client waits for the bind's outcome; a directory that
// cannot be written is a 'wait' error for it, not a JID nobody can reach.
TEST_F(RouterTest, EveryBindIsAnsweredAndAFailedDirectoryWriteIsResourceConstraint) {
  Client alice = bind("alice", "phone");
  ASSERT_EQ(sink_.bindResults().size(), 1u);
  EXPECT_EQ(sink_.bindResults()[0].session_id(), alice.sessionId);
  EXPECT_EQ(sink_.bindResults()[0].condition(), "");
  directory_.failing = true;
  Client bob = bind("bob", "pc");
  ASSERT_EQ(sink_.bindResults().size(), 2u);
  EXPECT_EQ(sink_.bindResults()[1].session_id(), bob.sessionId);
  EXPECT_EQ(sink_.bindResults()[1].condition(), "resource-constraint");
  EXPECT_EQ(core_.trackedSessions(), 1u);  // bob's is not kept
}

}  // namespace
}  // namespace xmpp::router::testing

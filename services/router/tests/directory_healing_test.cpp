// The session directory heals itself (issue 9, case 1): sessions a gateway announces are
// registered again when the directory lost them, a sweep of a dead gateway leaves alone what
// was registered again meanwhile, and commands for a gateway away for a moment wait for it.

#include <string>

#include "fixture.hpp"
#include "gateway_hub.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class DirectoryHealingTest : public RouterTest {
 protected:
  // The session as the gateway remembers it: available, with its last presence.
  static v1::SessionInfo asAnnounced(const Client& c) {
    v1::Stanza p = parseStanza("<presence><show>away</show></presence>");
    p.set_from(c.fullJid);
    return info(c, true, 0, p);
  }
  void forget(const Client& c) {
    (void)directory_.inner.remove(c.bare, resourceOf(c), c.sessionId);
  }
};

TEST_F(DirectoryHealingTest, case1_AnAnnouncedSessionTheDirectoryLostIsRegisteredAgain) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone", "gw2");
  available(alice);
  forget(alice);  // swept while its gateway was away, or Redis came back empty
  sink_.clear();

  core_.onSessionAnnounced(asAnnounced(alice));
  auto s = directory_.inner.find("alice@example.com", "phone");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->session_id(), alice.sessionId);
  EXPECT_EQ(s->gateway_id(), "gw2");
  EXPECT_NE(s->generation(), 0u);
  EXPECT_EQ(core_.stats().restored, 1u);
  // Its contact hears it again (it may have been told it left); no probes go out.
  EXPECT_THAT(received(bob), ElementsAre(AllOf(HasSubstr("from=\"alice@example.com/phone\""),
                                               HasSubstr("<show>away</show>"))));
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<show>away</show>")));  // own echo

  // And it is reachable again.
  sink_.clear();
  send(bob, "<message to='alice@example.com/phone' type='chat'><body>hi</body></message>");
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<body>hi</body>")));
}

// Fault suite, Redis restarted empty: a message sent to the user before its gateway announced
// it again found nobody and was stored; it reaches the restored session at once, not at its
// next login.
TEST_F(DirectoryHealingTest, case1_MessagesStoredWhileTheDirectoryLostASessionReachItOnRestore) {
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone");
  available(alice);
  forget(alice);
  send(bob, "<message to='alice@example.com/phone' type='chat'><body>meanwhile</body></message>");
  ASSERT_EQ(roster_.offlineCount("alice@example.com"), 1u);
  sink_.clear();

  core_.onSessionAnnounced(asAnnounced(alice));
  // Once: the restore's broadcast flushes the stored messages, nothing else does.
  EXPECT_THAT(received(alice), ::testing::Contains(HasSubstr("<body>meanwhile</body>")).Times(1));
}

TEST_F(DirectoryHealingTest, case1_AnAnnouncedSessionTheDirectoryKnowsChangesNothing) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();
  core_.onSessionAnnounced(asAnnounced(alice));
  EXPECT_THAT(sink_.commands(), IsEmpty());
  EXPECT_EQ(core_.stats().restored, 0u);
  EXPECT_EQ(directory_.inner.find("alice@example.com", "phone")->generation(), 0u);
}

TEST_F(DirectoryHealingTest, case1_AnAnnouncedSessionWhoseJidANewerOneTookIsClosed) {
  Client old = bind("alice", "phone", "gw1");
  Client fresh = bind("alice", "phone", "gw2");  // the conflict close to gw1 was lost
  sink_.clear();
  core_.onSessionAnnounced(asAnnounced(old));
  auto commands = sink_.commands();
  ASSERT_EQ(commands.size(), 1u);
  ASSERT_TRUE(commands[0].close.has_value());
  EXPECT_EQ(commands[0].gateway, "gw1");
  EXPECT_EQ(commands[0].close->session_id(), old.sessionId);
  EXPECT_EQ(commands[0].close->condition(), "conflict");
  EXPECT_EQ(directory_.inner.find("alice@example.com", "phone")->session_id(), fresh.sessionId);
}

TEST_F(DirectoryHealingTest, case1_ASweepLeavesASessionRegisteredAgainMeanwhile) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone", "gw2");
  available(alice);
  // The sweep read the directory; then the gateway came back and announced the session.
  const v1::SessionInfo read = *directory_.inner.find("alice@example.com", "phone");
  forget(alice);
  core_.onSessionAnnounced(asAnnounced(alice));
  sink_.clear();

  core_.onSessionSwept(read);
  EXPECT_TRUE(directory_.inner.find("alice@example.com", "phone").has_value());
  EXPECT_THAT(received(bob), IsEmpty());  // no unavailable for a live session
}

TEST_F(DirectoryHealingTest, case1_ASweepEndsASessionUnchangedSinceItWasRead) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  available(bob);
  Client alice = bind("alice", "phone", "gw2");
  available(alice);
  sink_.clear();
  core_.onSessionSwept(*directory_.inner.find("alice@example.com", "phone"));
  EXPECT_FALSE(directory_.inner.find("alice@example.com", "phone").has_value());
  EXPECT_THAT(received(bob), ElementsAre(AllOf(HasSubstr("from=\"alice@example.com/phone\""),
                                               HasSubstr("type=\"unavailable\""))));
}

// ---- the outbox of a gateway that is away for a moment ----

class FakeStream final : public CommandStream {
 public:
  v1::RouterBatch& outgoing() override { return out; }
  void startWrite() override { written.push_back(out); }
  void finish() override { finished = true; }
  v1::RouterBatch out;
  std::vector<v1::RouterBatch> written;
  bool finished = false;
};

v1::RouterCommand message(const std::string& body) {
  v1::RouterCommand c;
  auto* d = c.mutable_delivery();
  d->add_session_ids("gw1/1");
  d->mutable_stanza()->set_kind(v1::STANZA_KIND_MESSAGE);
  d->mutable_stanza()->set_to("bob@example.com/pc");
  d->mutable_stanza()->set_id(body);
  return c;
}

std::vector<std::string> ids(const v1::RouterBatch& b) {
  std::vector<std::string> out;
  for (const auto& c : b.commands()) out.push_back(c.delivery().stanza().id());
  return out;
}

struct HubTest : ::testing::Test {
  std::vector<std::string> unreachable;
  GatewayHub hub{{.batchBytes = 1 << 20, .parkFor = std::chrono::milliseconds(0)}};
  HubTest() {
    hub.onUnreachable([this](const std::string&, v1::RouterCommand c) {
      unreachable.push_back(c.delivery().stanza().id());
    });
  }
};

TEST_F(HubTest, case4_CommandsForAGatewayNotYetConnectedWaitForItsStream) {
  GatewayHub parking({.parkFor = std::chrono::seconds(60)});
  parking.deliver("gw1", message("m1").delivery());
  parking.deliver("gw1", message("m2").delivery());
  FakeStream stream;
  auto box = parking.attach("gw1", &stream);
  ASSERT_EQ(stream.written.size(), 1u);
  EXPECT_THAT(ids(stream.written[0]), ElementsAre("m1", "m2"));
}

TEST_F(HubTest, case4_ABatchBrokenUnderAStreamGoesFirstOnTheNext) {
  GatewayHub parking({.parkFor = std::chrono::seconds(60)});
  FakeStream first;
  auto box = parking.attach("gw1", &first);
  parking.deliver("gw1", message("m1").delivery());  // written at once
  parking.deliver("gw1", message("m2").delivery());  // waits for the write
  box->writeDone(&first, false);
  box->streamGone(&first);
  FakeStream second;
  parking.attach("gw1", &second);
  ASSERT_EQ(second.written.size(), 1u);
  EXPECT_THAT(ids(second.written[0]), ElementsAre("m1", "m2"));
}

// A gateway killed while commands were queued for it: the write fails, the read side asks for
// the end; the stream must end (its OnDone runs the gateway's cleanup) and the commands wait,
// parked, for the gateway's next stream. (The first flush-before-finish version wrote again on
// the broken stream and never ended it: the killed gateway's users stayed "available".)
TEST_F(HubTest, case4_ABrokenStreamAskedToEndEndsAndKeepsItsCommands) {
  GatewayHub parking({.parkFor = std::chrono::seconds(60)});
  FakeStream stream;
  auto box = parking.attach("gw1", &stream);
  parking.deliver("gw1", message("m1").delivery());  // written at once
  parking.deliver("gw1", message("m2").delivery());  // waits for the write
  box->finish(&stream);                              // the read side ended
  EXPECT_FALSE(stream.finished) << "a write is in flight";
  box->writeDone(&stream, false);
  EXPECT_TRUE(stream.finished);
  EXPECT_EQ(stream.written.size(), 1u) << "nothing more written on the broken stream";
  box->streamGone(&stream);
  FakeStream next;
  parking.attach("gw1", &next);
  ASSERT_EQ(next.written.size(), 1u);
  EXPECT_THAT(ids(next.written[0]), ElementsAre("m1", "m2"));
}

TEST_F(HubTest, case4_CommandsOfAGatewayAwayTooLongAreUnreachable) {
  hub.deliver("gw9", message("m1").delivery());
  EXPECT_THAT(unreachable, IsEmpty());
  hub.expireParked();
  EXPECT_THAT(unreachable, ElementsAre("m1"));
  EXPECT_FALSE(hub.isConnected("gw9"));
}

// Issue 10: a gateway found dead gives up what is parked for it at once, not after parkFor
// (messages for a session resumed on another gateway reach it seconds sooner).
TEST_F(HubTest, ADeadGatewaysParkedCommandsGiveUpAtOnce) {
  std::vector<std::string> given;
  GatewayHub parking({.parkFor = std::chrono::seconds(60)});
  parking.onUnreachable([&](const std::string&, v1::RouterCommand c) {
    given.push_back(c.delivery().stanza().id());
  });
  parking.deliver("gw1", message("m1").delivery());
  parking.expireParked();
  EXPECT_THAT(given, IsEmpty());  // within parkFor
  parking.giveUp("gw1");
  EXPECT_THAT(given, ElementsAre("m1"));
  FakeStream stream;
  auto box = parking.attach("gw2", &stream);
  parking.deliver("gw2", message("m2").delivery());
  parking.giveUp("gw2");  // connected: nothing given up
  EXPECT_THAT(given, ElementsAre("m1"));
}

TEST_F(HubTest, case4_BatchesAreCutByBytes) {
  GatewayHub small({.batchBytes = 100, .parkFor = std::chrono::seconds(60)});
  for (int i = 0; i < 10; ++i) {
    auto c = message("m" + std::to_string(i));
    c.mutable_delivery()->mutable_stanza()->set_to(std::string(60, 'x'));
    small.deliver("gw1", c.delivery());
  }
  FakeStream stream;
  auto box = small.attach("gw1", &stream);
  size_t commands = 0;
  while (!stream.written.empty() && commands < 10) {
    const v1::RouterBatch b = stream.written.back();
    EXPECT_EQ(b.commands_size(), 1) << "each command is over half the bound";
    commands += static_cast<size_t>(b.commands_size());
    if (commands < 10) box->writeDone(&stream, true);
  }
  EXPECT_EQ(commands, 10u);
  EXPECT_EQ(stream.written.size(), 10u);
}

TEST_F(HubTest, case4_PastItsBoundAnOutboxRefusesToUnreachable) {
  GatewayHub tiny({.maxBytes = 150, .parkFor = std::chrono::seconds(60)});
  std::vector<std::string> lost;
  tiny.onUnreachable(
      [&](const std::string&, v1::RouterCommand c) { lost.push_back(c.delivery().stanza().id()); });
  for (int i = 0; i < 10; ++i) tiny.deliver("gw1", message("m" + std::to_string(i)).delivery());
  EXPECT_FALSE(lost.empty());
  EXPECT_LE(tiny.queuedBytes(), 150u);
}

}  // namespace
}  // namespace xmpp::router::testing

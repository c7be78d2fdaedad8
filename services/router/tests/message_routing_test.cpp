// Message routing (RFC 6121 §8.5): full and bare JIDs, priorities, offline storage, errors.

#include <initializer_list>
#include <string>
#include <utility>

#include "fixture.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class MessageRoutingTest : public RouterTest {};

TEST_F(MessageRoutingTest, FullJidWithSessionGetsTheStanzaUnchanged) {
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "AndroidPushClient");
  available(alice);
  available(bob);
  sink_.clear();

  // From android-client-session.xml: a custom extension must cross the router unchanged.
  send(alice,
       "<message to='bob@example.com/AndroidPushClient'><body>2</body>"
       "<msgExtension xmlns='http://jabber.org/protocol/msgExtension'><msg>新消息2</msg>"
       "<time>1500277380490</time><uuid>603c02ee</uuid></msgExtension></message>");

  EXPECT_THAT(received(bob),
              ElementsAre("<message from=\"alice@example.com/phone\" "
                          "to=\"bob@example.com/AndroidPushClient\"><body>2</body>"
                          "<msgExtension xmlns=\"http://jabber.org/protocol/msgExtension\">"
                          "<msg>新消息2</msg><time>1500277380490</time><uuid>603c02ee</uuid>"
                          "</msgExtension></message>"));
  EXPECT_THAT(received(alice), IsEmpty());
}

TEST_F(MessageRoutingTest, ConnectedButUnavailableFullJidStillGetsIt) {
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "pc");  // bound, no presence yet
  send(alice, "<message to='bob@example.com/pc' type='chat'><body>hi</body></message>");
  EXPECT_THAT(received(bob), SizeIs(1));
}

TEST_F(MessageRoutingTest, ChatToBareJidGoesToEveryResourceTiedAtTheHighestPriority) {
  Client alice = bind("alice", "phone");
  Client b1 = bind("bob", "a");
  Client b2 = bind("bob", "b");
  Client b3 = bind("bob", "c");
  available(b1, 5);
  available(b2, 5);
  available(b3, 1);
  sink_.clear();

  send(alice, "<message to='bob@example.com' type='chat' id='m1'><body>hi</body></message>");
  EXPECT_THAT(received(b1), SizeIs(1));
  EXPECT_THAT(received(b2), SizeIs(1));
  EXPECT_THAT(received(b3), IsEmpty());
  // One gateway: one Delivery naming both sessions.
  ASSERT_THAT(sink_.deliveries(), SizeIs(1));
  EXPECT_THAT(sink_.deliveries()[0].session_ids(), ElementsAre(b1.sessionId, b2.sessionId));
}

TEST_F(MessageRoutingTest, NormalToBareJidGoesToOneResourceFirstByName) {
  Client alice = bind("alice", "phone");
  Client bz = bind("bob", "zeta");
  Client ba = bind("bob", "alpha");
  Client bl = bind("bob", "low");
  available(bz, 3);
  available(ba, 3);
  available(bl, 0);
  sink_.clear();

  send(alice, "<message to='bob@example.com'><body>hi</body></message>");
  EXPECT_THAT(received(ba), SizeIs(1));
  EXPECT_THAT(received(bz), IsEmpty());
  EXPECT_THAT(received(bl), IsEmpty());
}

TEST_F(MessageRoutingTest, FullJidWithoutSessionIsTreatedAsBareJid) {
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "pc");
  available(bob);
  sink_.clear();
  send(alice, "<message to='bob@example.com/gone' type='chat'><body>hi</body></message>");
  EXPECT_THAT(received(bob), ElementsAre(HasSubstr("to=\"bob@example.com/gone\"")));
}

TEST_F(MessageRoutingTest, NegativePriorityResourcesGetNoBareJidMessagesSoItIsStoredOffline) {
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "bot");
  available(bob, -1);
  sink_.clear();

  send(alice, "<message to='bob@example.com' type='chat'><body>hi</body></message>");
  EXPECT_THAT(received(bob), IsEmpty());
  EXPECT_THAT(received(alice), IsEmpty());  // stored, not bounced
  EXPECT_EQ(roster_.offlineCount("bob@example.com"), 1u);

  // ...but a message to its full JID still reaches it.
  send(alice, "<message to='bob@example.com/bot' type='chat'><body>direct</body></message>");
  EXPECT_THAT(received(bob), SizeIs(1));
}

TEST_F(MessageRoutingTest, HeadlineGoesToAllNonNegativeResourcesOrNowhere) {
  Client alice = bind("alice", "phone");
  Client b1 = bind("bob", "a");
  Client b2 = bind("bob", "b");
  Client b3 = bind("bob", "c");
  available(b1, 5);
  available(b2, 0);
  available(b3, -5);
  sink_.clear();
  send(alice, "<message to='bob@example.com' type='headline'><body>news</body></message>");
  EXPECT_THAT(received(b1), SizeIs(1));
  EXPECT_THAT(received(b2), SizeIs(1));
  EXPECT_THAT(received(b3), IsEmpty());

  sink_.clear();
  send(alice, "<message to='carol@example.com' type='headline'><body>news</body></message>");
  EXPECT_THAT(sink_.deliveries(), IsEmpty());  // dropped, not stored, not bounced
  EXPECT_EQ(roster_.offlineCount("carol@example.com"), 0u);
}

TEST_F(MessageRoutingTest, OfflineMessageIsDeliveredWithDelayAtInitialPresenceAndAckedLater) {
  Client alice = bind("alice", "phone");
  send(alice, "<message to='bob@example.com' type='chat' id='m1'><body>later</body></message>");
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
  ASSERT_EQ(roster_.offlineCount("bob@example.com"), 1u);

  Client bob = bind("bob", "pc");
  available(bob);
  std::vector<v1::Delivery> offline;
  for (const auto& d : sink_.deliveriesTo(bob.sessionId)) {
    if (d.offline_id() != 0) offline.push_back(d);
  }
  ASSERT_THAT(offline, SizeIs(1));
  EXPECT_EQ(offline[0].offline_user(), "bob@example.com");
  EXPECT_THAT(offline[0].session_ids(), ElementsAre(bob.sessionId));
  const std::string xml = xmlOf(offline[0].stanza());
  EXPECT_THAT(xml, HasSubstr("<body>later</body>"));
  EXPECT_THAT(xml, HasSubstr("<delay xmlns=\"urn:xmpp:delay\" from=\"example.com\" stamp=\""));
  EXPECT_THAT(xml, HasSubstr("from=\"alice@example.com/phone\""));

  // Still stored until the gateway acks what it wrote.
  EXPECT_EQ(roster_.offlineCount("bob@example.com"), 1u);
  v1::OfflineAck ack;
  ack.set_user("bob@example.com");
  ack.add_ids(offline[0].offline_id());
  core_.onOfflineAck(ack);
  EXPECT_EQ(roster_.offlineCount("bob@example.com"), 0u);

  // A later presence update does not deliver offline messages again.
  sink_.clear();
  available(bob, 0, "away");
  for (const auto& d : sink_.deliveriesTo(bob.sessionId)) EXPECT_EQ(d.offline_id(), 0);
}

// Issue 9 case 5: whatever is stored, a fetch is a page bounded in bytes, and the next page
// goes out once the gateway acknowledged the last (the client proved it read it): large
// stored messages neither exceed a gRPC message nor the gateway's send queue.
TEST_F(MessageRoutingTest, case5_LargeOfflineMessagesGoInPagesEachAfterTheLastWasAcked) {
  Client alice = bind("alice", "phone");
  const std::string big(50 * 1024, 'x');
  for (int i = 0; i < 10; ++i) {
    send(alice, "<message to='bob@example.com' type='chat' id='m" + std::to_string(i) + "'><body>" +
                    big + "</body></message>");
  }
  ASSERT_EQ(roster_.offlineCount("bob@example.com"), 10u);

  Client bob = bind("bob", "pc");
  available(bob);
  std::vector<std::string> ids;
  for (int page = 0; page < 10 && roster_.offlineCount("bob@example.com") > 0; ++page) {
    std::vector<v1::Delivery> offline;
    for (const auto& d : sink_.deliveriesTo(bob.sessionId)) {
      if (d.offline_id() != 0) offline.push_back(d);
    }
    sink_.clear();
    ASSERT_THAT(offline, SizeIs(3))
        << "192 KiB pages of 50 KiB messages, page " << page << " (the last has one)";
    v1::OfflineAck ack;
    ack.set_user("bob@example.com");
    for (const auto& d : offline) {
      ids.push_back(d.stanza().id());
      ack.add_ids(d.offline_id());
    }
    core_.onOfflineAck(ack);
    if (ids.size() == 9) break;
  }
  // The last page: one message.
  std::vector<v1::Delivery> last;
  for (const auto& d : sink_.deliveriesTo(bob.sessionId)) {
    if (d.offline_id() != 0) last.push_back(d);
  }
  ASSERT_THAT(last, SizeIs(1));
  ids.push_back(last[0].stanza().id());
  EXPECT_THAT(ids, ElementsAre("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"));
  v1::OfflineAck ack;
  ack.set_user("bob@example.com");
  ack.add_ids(last[0].offline_id());
  sink_.clear();
  core_.onOfflineAck(ack);
  EXPECT_EQ(roster_.offlineCount("bob@example.com"), 0u);
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
}

TEST_F(MessageRoutingTest, OfflineMessagesWaitForANonNegativePriority) {
  Client alice = bind("alice", "phone");
  send(alice, "<message to='bob@example.com' type='chat'><body>later</body></message>");
  Client bob = bind("bob", "pc");
  available(bob, -1);
  for (const auto& d : sink_.deliveriesTo(bob.sessionId)) EXPECT_EQ(d.offline_id(), 0);
  available(bob, 1);
  int offline = 0;
  for (const auto& d : sink_.deliveriesTo(bob.sessionId)) offline += d.offline_id() != 0;
  EXPECT_EQ(offline, 1);
}

TEST_F(MessageRoutingTest, MessageToUnknownAccountIsServiceUnavailable) {
  Client alice = bind("alice", "phone");
  send(alice, "<message to='nobody@example.com' type='chat' id='m1'><body>hi</body></message>");
  EXPECT_THAT(received(alice),
              ElementsAre("<message from=\"nobody@example.com\" to=\"alice@example.com/phone\" "
                          "id=\"m1\" type=\"error\"><body>hi</body><error type=\"cancel\">"
                          "<service-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/>"
                          "</error></message>"));
  EXPECT_EQ(roster_.storeOfflineCalls, 0);
}

TEST_F(MessageRoutingTest, ErrorMessagesAreNeverAnsweredWithErrors) {
  Client alice = bind("alice", "phone");
  send(alice,
       "<message to='nobody@example.com' type='error'><error type='cancel'>"
       "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
  send(alice, "<message to='bob@example.org' type='error'/>");
  send(alice, "<message to='example.com' type='error'/>");
  send(alice, "<message to='bob@example.com' type='error'/>");  // bob offline: dropped
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
  EXPECT_EQ(roster_.offlineCount("bob@example.com"), 0u);
}

TEST_F(MessageRoutingTest, GroupchatToBareJidIsServiceUnavailable) {
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "pc");
  available(bob);
  sink_.clear();
  send(alice, "<message to='bob@example.com' type='groupchat'><body>x</body></message>");
  EXPECT_THAT(received(bob), IsEmpty());
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<service-unavailable")));
}

TEST_F(MessageRoutingTest, ServerDomainAndRemoteDomains) {
  Client alice = bind("alice", "phone");
  send(alice, "<message to='example.com'><body>x</body></message>");
  send(alice, "<message to='bob@example.org' id='r'><body>x</body></message>");
  send(alice, "<message to='not a jid@@'><body>x</body></message>");
  auto got = received(alice);
  ASSERT_THAT(got, SizeIs(3));
  EXPECT_THAT(got[0], HasSubstr("<service-unavailable"));
  EXPECT_THAT(got[1], HasSubstr("from=\"bob@example.org\""));
  EXPECT_THAT(got[1], HasSubstr("<error type=\"cancel\"><remote-server-not-found"));
  EXPECT_THAT(got[2], HasSubstr("<error type=\"modify\"><jid-malformed"));
}

TEST_F(MessageRoutingTest, MessageWithoutToGoesToTheSendersBareJid) {
  Client a1 = bind("alice", "phone");
  Client a2 = bind("alice", "pc");
  available(a1, 1);
  available(a2, 0);
  sink_.clear();
  send(a2, "<message type='chat'><body>note to self</body></message>");
  EXPECT_THAT(received(a1), ElementsAre(HasSubstr("to=\"alice@example.com\"")));
}

TEST_F(MessageRoutingTest, DeliveriesAreGroupedPerGateway) {
  Client alice = bind("alice", "phone");
  Client b1 = bind("bob", "a", "gw1");
  Client b2 = bind("bob", "b", "gw2");
  Client b3 = bind("bob", "c", "gw1");
  for (const auto& c : {b1, b2, b3}) available(c, 2);
  sink_.clear();
  send(alice, "<message to='bob@example.com' type='chat'><body>hi</body></message>");
  auto commands = sink_.commands();
  ASSERT_THAT(commands, SizeIs(2));
  EXPECT_EQ(commands[0].gateway, "gw1");
  EXPECT_THAT(commands[0].delivery->session_ids(), ElementsAre(b1.sessionId, b3.sessionId));
  EXPECT_EQ(commands[1].gateway, "gw2");
  EXPECT_THAT(commands[1].delivery->session_ids(), ElementsAre(b2.sessionId));
}

TEST_F(MessageRoutingTest, DirectoryDownIsServiceUnavailableWait) {
  Client alice = bind("alice", "phone");
  available(alice);  // the router now knows alice's gateway without the directory
  sink_.clear();
  directory_.failing = true;
  send(alice, "<message to='bob@example.com' type='chat'><body>x</body></message>");
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<error type=\"wait\"><service-unavailable")));
  EXPECT_GT(core_.stats().backendErrors, 0u);
}

TEST_F(MessageRoutingTest, RosterServiceDownWhileStoringIsServiceUnavailableWait) {
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();
  roster_.failing = true;
  send(alice, "<message to='bob@example.com' type='chat'><body>x</body></message>");
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<error type=\"wait\"><service-unavailable")));
}

TEST_F(MessageRoutingTest, AuthServiceDownIsServiceUnavailableWait) {
  Client alice = bind("alice", "phone");
  available(alice);
  sink_.clear();
  accounts_.failing = true;
  send(alice, "<message to='bob@example.com' type='chat'><body>x</body></message>");
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<error type=\"wait\"><service-unavailable")));
}

class OfflineQuotaTest : public RouterTest {
 protected:
  static roster::RosterConfig small() {
    roster::RosterConfig c;
    c.offlineQuota = 1;
    return c;
  }
  OfflineQuotaTest() : RouterTest(small()) {}
};

TEST_F(OfflineQuotaTest, FullQuotaBouncesServiceUnavailable) {
  Client alice = bind("alice", "phone");
  send(alice, "<message to='bob@example.com' type='chat'><body>1</body></message>");
  EXPECT_THAT(received(alice), IsEmpty());
  send(alice, "<message to='bob@example.com' type='chat'><body>2</body></message>");
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("<service-unavailable")));
}

// What a gateway hands back for `session`: stanzas `from` sent to it, as it would have them.
v1::Undeliverable handedBack(const Client& session, const Client& from,
                             std::initializer_list<const char*> stanzas) {
  v1::Undeliverable u;
  u.set_session_id(session.sessionId);
  for (const char* xml : stanzas) {
    v1::Stanza s = parseStanza(xml);
    s.set_from(from.fullJid);
    *u.add_stanzas() = std::move(s);
  }
  return u;
}

TEST_F(MessageRoutingTest, UndeliverableMessagesAreStoredOfflineRequestsAnsweredOthersDropped) {
  Client alice = bind("alice", "phone");
  Client bob = bind("bob", "pc");
  available(alice);
  sink_.clear();

  v1::Undeliverable u = handedBack(
      bob, alice,
      {"<message to='bob@example.com/pc' type='chat'><body>lost</body></message>",
       "<iq to='bob@example.com/pc' type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq>"});
  // An offline message that came back: it is still stored, so it is not stored twice.
  *u.add_stanzas() = parseStanza(
      "<message to='bob@example.com' type='chat'><body>old</body>"
      "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='2024-01-01T00:00:00Z'/></message>");
  core_.onUndeliverable(u);

  EXPECT_EQ(roster_.offlineCount("bob@example.com"), 1u);
  // The request never read is answered (issue 10): service-unavailable, to its sender.
  ASSERT_EQ(sink_.deliveries().size(), 1u);
  const v1::Delivery d = sink_.deliveries()[0];
  EXPECT_THAT(d.session_ids(), ElementsAre(alice.sessionId));
  EXPECT_EQ(d.stanza().type(), "error");
  EXPECT_EQ(d.stanza().id(), "q");
}

// Issue 9 (fault suite): a message handed back from a session that went, while its user is
// already back on another session, reaches that session live instead of offline storage
// (where it would wait for the next login).
TEST_F(MessageRoutingTest, case9_HandedBackMessageGoesToTheUsersOtherSessionLive) {
  Client alice = bind("alice", "phone");
  Client gone = bind("bob", "pc");
  Client back = bind("bob", "laptop");
  available(alice);
  available(back);
  sink_.clear();

  core_.onUndeliverable(handedBack(
      gone, alice, {"<message to='bob@example.com/pc' type='chat'><body>late</body></message>"}));

  EXPECT_THAT(received(back), ElementsAre(HasSubstr("late")));
  EXPECT_THAT(sink_.deliveriesTo(gone.sessionId), IsEmpty());
  EXPECT_EQ(roster_.offlineCount("bob@example.com"), 0u);
}

}  // namespace
}  // namespace xmpp::router::testing

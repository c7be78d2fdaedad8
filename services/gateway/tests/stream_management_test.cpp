// XEP-0198 stream management (issue 10): the counters, and a session's <enable/>, <r/>, <a/>,
// and what happens to what the client never acknowledged.
#include "stream_management.hpp"

#include "session_fixture.hpp"

namespace xmpp::gateway {
namespace {

TEST(StreamManagementTest, AcksPopInOrderAndCountersWrapMod2To32) {
  StreamManagement sm;
  sm.enable({});
  for (int i = 0; i < 3; ++i) sm.sent(Outbound::offline(i + 1, "a@x"), 10);
  auto acked = sm.acked(2);
  ASSERT_EQ(acked.stanzas.size(), 2u);
  EXPECT_EQ(acked.stanzas[0].offlineId, 1);
  EXPECT_EQ(acked.stanzas[1].offlineId, 2);
  EXPECT_EQ(sm.unacked(), 1u);
  EXPECT_TRUE(sm.acked(2).stanzas.empty());  // the same h again: nothing new
  EXPECT_TRUE(sm.acked(5).tooHigh);          // more than was sent
  EXPECT_EQ(sm.unacked(), 1u);

  // Past 2^32 - 1 the counters wrap: h = 1 after 0xffffffff.
  StreamManagement wrap;
  wrap.enable({});
  for (uint32_t i = 0; i < 0xffffffffu; ++i) wrap.received();
  wrap.received();
  wrap.received();
  EXPECT_EQ(wrap.handled(), 1u);
}

TEST(StreamManagementTest, AckRequestsOneAtATimeAndBounds) {
  StreamManagement sm;
  sm.enable({.maxUnackedStanzas = 3, .maxUnackedBytes = 100, .ackEvery = 2});
  EXPECT_TRUE(sm.sent(Outbound::other(), 10));
  EXPECT_FALSE(sm.requestAck());  // one sent, every two
  EXPECT_TRUE(sm.sent(Outbound::other(), 10));
  EXPECT_TRUE(sm.requestAck());
  EXPECT_TRUE(sm.sent(Outbound::other(), 10));
  EXPECT_FALSE(sm.requestAck());  // one in flight
  sm.acked(2);
  EXPECT_FALSE(sm.requestAck());  // answered; one sent since
  EXPECT_TRUE(sm.sent(Outbound::other(), 10));
  EXPECT_TRUE(sm.requestAck());
  EXPECT_TRUE(sm.sent(Outbound::other(), 10));
  EXPECT_FALSE(sm.sent(Outbound::other(), 10));  // four unacked: past three
  StreamManagement bytes;
  bytes.enable({.maxUnackedStanzas = 10, .maxUnackedBytes = 100, .ackEvery = 1});
  EXPECT_TRUE(bytes.sent(Outbound::other(), 100));
  EXPECT_FALSE(bytes.sent(Outbound::other(), 1));
}

class SmSessionTest : public SessionTest {
 protected:
  void enable() {
    login();
    feed("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    // Resumption is not offered yet: no id, no resume.
    ASSERT_EQ(transport.take(), "<enabled xmlns=\"urn:xmpp:sm:3\"/>");
  }
  void deliverStored(int64_t id, const std::string& body) {
    v1::Delivery d;
    *d.mutable_stanza() = chat(body);
    d.set_offline_id(id);
    d.set_offline_user("alice@example.com");
    session->deliverOffline(d);
  }
};

TEST_F(SmSessionTest, OfferedAfterAuthenticationAndEnabledOnceAfterBinding) {
  enable();
  feed("<enable xmlns='urn:xmpp:sm:3'/>");
  EXPECT_EQ(transport.take(),
            "<failed xmlns=\"urn:xmpp:sm:3\"><unexpected-request "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></failed>");
  EXPECT_FALSE(session->closed());
}

TEST_F(SmSessionTest, ResumeIsItemNotFoundAndTheClientBindsAnew) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feed(header());
  transport.take();
  feed("<resume xmlns='urn:xmpp:sm:3' previd='x' h='0'/>");
  EXPECT_EQ(transport.take(),
            "<failed xmlns=\"urn:xmpp:sm:3\"><item-not-found "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></failed>");
  feed(bindIq("home"));
  EXPECT_TRUE(session->bound());
}

TEST_F(SmSessionTest, WeAnswerRWithTheStanzasWeHandled) {
  enable();
  feed("<r xmlns='urn:xmpp:sm:3'/>");
  EXPECT_EQ(transport.take(), "<a xmlns=\"urn:xmpp:sm:3\" h=\"0\"/>");
  feed(
      "<message to='bob@example.com'><body>1</body></message><presence/>"
      "<iq type='get' id='q' to='bob@example.com/pc'><ping xmlns='urn:xmpp:ping'/></iq>");
  feed("<r xmlns='urn:xmpp:sm:3'/>");
  EXPECT_THAT(transport.take(), HasSubstr("<a xmlns=\"urn:xmpp:sm:3\" h=\"3\"/>"));
}

TEST_F(SmSessionTest, EveryStanzaSentIsCountedAndAnAckIsAskedFor) {
  enable();
  session->deliver(chat("one"));
  EXPECT_THAT(transport.take(), ::testing::EndsWith("</message><r xmlns=\"urn:xmpp:sm:3\"/>"));
  session->deliver(chat("two"));  // an <r/> is in flight: no second one
  EXPECT_THAT(transport.take(), ::testing::EndsWith("</message>"));
  feed("<a xmlns='urn:xmpp:sm:3' h='1'/>");  // answers the first: one more is unacked
  EXPECT_EQ(transport.take(), "<r xmlns=\"urn:xmpp:sm:3\"/>");
  feed("<a xmlns='urn:xmpp:sm:3' h='2'/>");
  EXPECT_EQ(transport.take(), "");
  EXPECT_EQ(session->sm().unacked(), 0u);
}

// The XEP-0198 ack is the proof an offline message was read: deleted then, not at the write.
TEST_F(SmSessionTest, AnAcknowledgedOfflineMessageIsDeleted) {
  enable();
  deliverStored(42, "a");
  deliverStored(43, "b");
  EXPECT_TRUE(transport.queued.empty());  // nothing for the transport to settle
  EXPECT_TRUE(router.acks.empty());
  feed("<a xmlns='urn:xmpp:sm:3' h='1'/>");
  ASSERT_EQ(router.acks.size(), 1u);
  EXPECT_EQ(router.acks[0].second, std::vector<int64_t>{42});
  feed("<a xmlns='urn:xmpp:sm:3' h='2'/>");
  ASSERT_EQ(router.acks.size(), 2u);
  EXPECT_EQ(router.acks[1].second, std::vector<int64_t>{43});
}

// Issue 10: a dropped connection loses nothing the client did not acknowledge. Before, a
// message written to a socket that then died was gone.
TEST_F(SmSessionTest, UnacknowledgedMessagesTakeTheOfflinePathWhenTheStreamEnds) {
  enable();
  for (const char* body : {"1", "2", "3", "4", "5"}) session->deliver(chat(body));
  deliverStored(42, "stored");
  feed("<a xmlns='urn:xmpp:sm:3' h='2'/>");
  session->onTransportClosed();
  std::vector<std::string> bodies;
  for (const auto& m : router.undeliverableStanzas) {
    bodies.push_back(m.element().children(0).element().children(0).text());
  }
  EXPECT_THAT(bodies, ElementsAre("3", "4", "5"));
  EXPECT_TRUE(router.acks.empty());  // the stored one stays stored
  EXPECT_THAT(router.events, ::testing::IsSupersetOf({"undeliverable", "ended"}));
  EXPECT_LT(std::find(router.events.begin(), router.events.end(), "undeliverable"),
            std::find(router.events.begin(), router.events.end(), "ended"));
}

TEST_F(SmSessionTest, AnAckForMoreThanWasSentEndsTheStream) {
  enable();
  session->deliver(chat("one"));
  transport.take();
  feed("<a xmlns='urn:xmpp:sm:3' h='7'/>");
  EXPECT_THAT(transport.take(), HasSubstr("<undefined-condition "));
  EXPECT_TRUE(session->closed());
  ASSERT_EQ(router.undeliverableStanzas.size(), 1u);  // still unacknowledged
}

TEST_F(SmSessionTest, TooManyUnacknowledgedEndTheStreamAndNothingIsLost) {
  config.sm.maxUnackedStanzas = 3;
  enable();
  for (int i = 0; i < 4; ++i) session->deliver(chat(std::to_string(i)));
  EXPECT_THAT(transport.take(), HasSubstr("<resource-constraint "));
  EXPECT_TRUE(session->closed());
  EXPECT_EQ(router.undeliverableStanzas.size(), 4u);
}

TEST_F(SmSessionTest, AnAckIsAskedForByTimeWhenTheCountIsNotReached) {
  config.sm.ackEvery = 5;
  config.sm.ackAfter = std::chrono::milliseconds(3000);
  enable();
  session->deliver(chat("one"));
  EXPECT_THAT(transport.take(), ::testing::EndsWith("</message>"));  // one of five: not yet
  ASSERT_FALSE(transport.flushDelays.empty());
  EXPECT_EQ(transport.flushDelays.back(), std::chrono::milliseconds(3000));
  session->onFlushTimer();
  EXPECT_EQ(transport.take(), "<r xmlns=\"urn:xmpp:sm:3\"/>");
  session->onFlushTimer();  // one in flight: not again
  EXPECT_EQ(transport.take(), "");
}

TEST_F(SmSessionTest, RAndABeforeEnablingAreIgnored) {
  login();
  feed("<r xmlns='urn:xmpp:sm:3'/><a xmlns='urn:xmpp:sm:3' h='3'/>");
  EXPECT_EQ(transport.take(), "");
  EXPECT_FALSE(session->closed());
}

}  // namespace
}  // namespace xmpp::gateway

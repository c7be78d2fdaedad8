// What the stream adds beyond negotiation: operator reports, restarts, server pings,
// XEP-0352 client state indication.

#include "session_fixture.hpp"

namespace xmpp::gateway {
namespace {

// What the operator sees: every stream error and failed login, with peer and condition.
class RecordingEvents final : public SessionEvents {
 public:
  void streamError(const Peer& peer, std::string_view condition, std::string_view,
                   bool fromClient) override {
    lines.push_back(std::string(fromClient ? "client-error " : "error ") + std::string(condition) +
                    " " + std::string(peer.sessionId) + " " + std::string(peer.address));
  }
  void stanzasDropped(const Peer& peer, std::string_view reason, size_t count) override {
    lines.push_back("dropped " + std::string(reason) + " " + std::to_string(count) + " " +
                    std::string(peer.address));
  }
  void authFailed(const Peer& peer, std::string_view mechanism,
                  std::string_view condition) override {
    lines.push_back("auth " + std::string(mechanism) + " " + std::string(condition) + " " +
                    std::string(peer.address));
  }
  std::vector<std::string> lines;
};

class ReportingTest : public SessionTest {
 protected:
  ReportingTest() { config.events = &events; }
  RecordingEvents events;
};

// Issue 9 case 4: with the router backlog full, a client stanza is refused with a 'wait'
// error (the client may retry), never taken and dropped; a presence is reported dropped.
TEST_F(ReportingTest, case4_AStanzaTheRouterBacklogRefusesIsAWaitError) {
  login();
  router.refuseStanzas = true;
  transport.take();
  feed("<message to='bob@example.com' id='m1' type='chat'><body>hi</body></message>");
  feed("<iq to='bob@example.com/pc' id='q1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>");
  feed("<presence/>");
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("<message type=\"error\" id=\"m1\" from=\"bob@example.com\">"
                             "<error code=\"500\" type=\"wait\"><resource-constraint "));
  EXPECT_THAT(out, HasSubstr("<iq type=\"error\" id=\"q1\" from=\"bob@example.com/pc\">"
                             "<error code=\"500\" type=\"wait\"><resource-constraint "));
  EXPECT_EQ(out.find("<presence"), std::string::npos);
  EXPECT_TRUE(router.stanzas.empty());
  EXPECT_THAT(events.lines, ElementsAre(HasSubstr("dropped router-backlog-refused 1"),
                                        HasSubstr("dropped router-backlog-refused 1"),
                                        HasSubstr("dropped router-backlog-full 1")));
}

TEST_F(ReportingTest, AFailedBindIsReportedAsAFailedLogin) {
  confirmBinds = false;
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feed(header());
  feed(bindIq("home"));
  session->onBindResult("resource-constraint");
  EXPECT_THAT(events.lines, ::testing::Contains("auth bind resource-constraint 192.0.2.7"));
}

TEST_F(ReportingTest, FailedLoginsAndStreamErrorsAreReportedWithThePeer) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::failure("not-authorized")});
  feed(plainAuth(kPlainAlice));
  feed("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-MADE-UP'>AA==</auth>");
  feed("<broken");
  feed("<a></b>");
  const std::string peer = transport.remoteAddress();
  EXPECT_THAT(events.lines, ::testing::ElementsAre("auth PLAIN not-authorized " + peer,
                                                   "auth unknown invalid-mechanism " + peer,
                                                   "error not-well-formed gw1/7 " + peer));
}

TEST_F(ReportingTest, AStreamErrorFromTheClientIsReportedToo) {
  openSecure();
  feed(
      "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error>");
  EXPECT_THAT(events.lines, ::testing::ElementsAre("client-error policy-violation gw1/7 " +
                                                   transport.remoteAddress()));
}

TEST_F(SessionTest, EveryRestartHasANewStreamIdAndWhitespaceBeforeItsHeaderIsIgnored) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  // go-sendxmpp: "</auth>\n<?xml version='1.0'?><stream:stream ...>"
  feed(plainAuth(kPlainAlice) + "\n<?xml version='1.0'?>" + header());
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("<success"));
  EXPECT_THAT(out, HasSubstr("<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/>"));
  EXPECT_THAT(out, Not(HasSubstr("id='s1d'")));  // RFC 6120 §4.7.3: not the first id
  EXPECT_THAT(out, HasSubstr(" id='"));
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, SilentBoundClientsGetAServerPingWhoseAnswerIsNotRouted) {
  login();
  router.events.clear();
  session->onSilence();
  EXPECT_EQ(transport.take(),
            "<iq type=\"get\" id=\"s2c-ping-1\" from=\"example.com\" "
            "to=\"alice@example.com/home\"><ping xmlns=\"urn:xmpp:ping\"/></iq>");
  feed("<iq type='result' id='s2c-ping-1' to='example.com'/>");
  EXPECT_TRUE(router.events.empty());
  // A later result with the same id is the client's business: routed.
  feed("<iq type='result' id='s2c-ping-1' to='example.com'/>");
  EXPECT_EQ(router.events.size(), 1u);
}

TEST_F(SessionTest, BeforeBindingOrWhenDisabledSilenceGetsWhitespace) {
  openSecure();
  session->onSilence();
  EXPECT_EQ(transport.take(), " ");
  config.serverPings = false;
  login();
  session->onSilence();
  EXPECT_EQ(transport.take(), " ");
}

v1::Stanza routed(const std::string& xml) {
  xml::Document doc;
  doc.load_string(xml.c_str());
  xml::Element root = doc.document_element();
  root.append_attribute("xmlns") = "jabber:client";
  return stanza::toProto(root);
}

class CsiTest : public SessionTest {
 protected:
  void SetUp() override {
    config.events = &events;
    config.csiMaxHeldStanzas = 3;
    login();
    feed("<inactive xmlns='urn:xmpp:csi:0'/>");
    transport.take();
  }
  RecordingEvents events;
};

TEST_F(SessionTest, CsiIsAdvertisedAfterAuthentication) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feed(header());
  EXPECT_THAT(transport.take(), HasSubstr("<csi xmlns=\"urn:xmpp:csi:0\"/>"));
}

TEST_F(CsiTest, PresenceAndChatStatesWaitForTheNextMessageWithABodyInOrder) {
  session->deliver(routed("<presence from='bob@example.com/a'/>"));
  session->deliver(
      routed("<message from='bob@example.com/a' type='chat'>"
             "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>"));
  EXPECT_EQ(transport.take(), "");
  ASSERT_EQ(transport.flushDelays.size(), 1u);
  EXPECT_EQ(transport.flushDelays[0], config.csiMaxHold);
  session->deliver(
      routed("<message from='bob@example.com/a' type='chat'><body>hi</body>"
             "</message>"));
  const std::string out = transport.take();
  const size_t p = out.find("<presence"), c = out.find("<composing"), b = out.find("<body>hi");
  ASSERT_NE(b, std::string::npos);
  EXPECT_LT(p, c);
  EXPECT_LT(c, b);
  // Every message went out with its identity (for the offline path if never written).
  EXPECT_EQ(transport.messages.size(), 2u);
}

TEST_F(CsiTest, TheHoldIsBoundedByCountTimeAndActive) {
  for (int i = 0; i < 2; ++i) session->deliver(routed("<presence from='bob@example.com/a'/>"));
  EXPECT_EQ(transport.take(), "");
  session->deliver(routed("<presence from='carol@example.com/a'/>"));  // the third: full
  EXPECT_THAT(transport.take(), HasSubstr("carol"));
  session->deliver(routed("<presence from='dave@example.com/a'/>"));
  session->onFlushTimer();
  EXPECT_THAT(transport.take(), HasSubstr("dave"));
  session->deliver(routed("<presence from='erin@example.com/a'/>"));
  feed("<active xmlns='urn:xmpp:csi:0'/>");
  EXPECT_THAT(transport.take(), HasSubstr("erin"));
  session->deliver(routed("<presence from='frank@example.com/a'/>"));  // active: at once
  EXPECT_THAT(transport.take(), HasSubstr("frank"));
}

TEST_F(CsiTest, IqsCarbonsWithABodyAndErrorsAreUrgent) {
  session->deliver(
      routed("<iq type='get' id='1' from='bob@example.com/a'>"
             "<query xmlns='jabber:iq:version'/></iq>"));
  EXPECT_THAT(transport.take(), HasSubstr("jabber:iq:version"));
  session->deliver(
      routed("<message from='alice@example.com' type='chat'><sent xmlns='urn:xmpp:carbons:2'>"
             "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'><body>c</body>"
             "</message></forwarded></sent></message>"));
  EXPECT_THAT(transport.take(), HasSubstr("<body>c</body>"));
  session->deliver(routed("<presence type='error' from='bob@example.com'/>"));
  EXPECT_THAT(transport.take(), HasSubstr("type=\"error\""));
}

TEST_F(CsiTest, HeldMessagesGoBackToTheRouterWhenTheStreamEnds) {
  session->deliver(
      routed("<message from='bob@example.com/a'><received xmlns='urn:xmpp:receipts' "
             "id='r'/></message>"));
  session->deliver(routed("<presence from='bob@example.com/a'/>"));
  router.events.clear();
  session->onTransportClosed();
  ASSERT_EQ(router.undeliverableStanzas.size(), 1u);
  EXPECT_EQ(router.undeliverableStanzas[0].element().name(), "message");
  // The held presence is given up on, counted and logged.
  EXPECT_THAT(events.lines,
              ::testing::ElementsAre("dropped csi-held-presence 1 " + transport.address));
}

}  // namespace
}  // namespace xmpp::gateway

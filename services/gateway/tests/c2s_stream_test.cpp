// The bound stream and its end: binding, routing, presence, errors, timeouts, closing,
// deliveries.

#include "session_fixture.hpp"

namespace xmpp::gateway {
namespace {

TEST_F(SessionTest, MessageBeforeAuthIsNotAuthorized) {
  openSecure();
  feed("<message to='bob@example.com'><body>hi</body></message>");
  EXPECT_TRUE(transport.take().ends_with(
      "<stream:error><not-authorized xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
      "</stream:error></stream:stream>"));
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_TRUE(router.stanzas.empty());
}

TEST_F(SessionTest, RosterGetAfterSaslButBeforeBindIsNotAuthorized) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feed(header());
  transport.take();
  feed("<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<not-authorized "));
  EXPECT_TRUE(session->closed());
  EXPECT_TRUE(router.events.empty());
}

// --- Bound stream ------------------------------------------------------------------------

TEST_F(SessionTest, ForgedFromIsOverwritten) {
  login();
  feed(
      "<message from='mallory@evil.example/x' to='bob@example.com' id='m1' type='chat' "
      "xml:lang='de'><body>hi</body></message>");
  ASSERT_EQ(router.stanzas.size(), 1u);
  const auto& r = router.stanzas[0];
  EXPECT_EQ(r.sessionId, "gw1/7");
  EXPECT_EQ(r.bareJid, "alice@example.com");
  EXPECT_EQ(r.stanza.kind(), v1::STANZA_KIND_MESSAGE);
  EXPECT_EQ(r.stanza.from(), "alice@example.com/home");
  EXPECT_EQ(r.stanza.to(), "bob@example.com");
  EXPECT_EQ(r.stanza.id(), "m1");
  EXPECT_EQ(r.stanza.type(), "chat");
  EXPECT_EQ(r.stanza.lang(), "de");
  EXPECT_EQ(stanza::childText(r.stanza.element(), "body", "jabber:client"), "hi");
  EXPECT_EQ(transport.take(), "");
}

TEST_F(SessionTest, MalformedToIsBouncedNotForwarded) {
  login();
  feed("<message to='bad@@example.com' id='m2'><body>x</body></message>");
  EXPECT_EQ(transport.take(),
            "<message type=\"error\" id=\"m2\"><error code=\"400\" type=\"modify\"><jid-malformed "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></message>");
  feed("<message to='bad@@example.com' type='error' id='m3'/>");  // never answer an error
  EXPECT_EQ(transport.take(), "");
  EXPECT_TRUE(router.stanzas.empty());
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, AddressesArePreparedForTheRouter) {
  login();
  feed("<iq to='Bob@EXAMPLE.com/Phone' type='get' id='v'><query xmlns='jabber:iq:version'/></iq>");
  ASSERT_EQ(router.stanzas.size(), 1u);
  EXPECT_EQ(router.stanzas[0].stanza.to(), "bob@example.com/Phone");
}

TEST_F(SessionTest, BroadcastPresenceUpdatesTheSession) {
  login();
  feed("<presence><priority> 5 </priority><show>away</show></presence>");
  ASSERT_EQ(router.updated.size(), 1u);
  const v1::SessionInfo& up = router.updated[0];
  EXPECT_TRUE(up.available());
  EXPECT_EQ(up.priority(), 5);
  EXPECT_EQ(up.full_jid(), "alice@example.com/home");
  EXPECT_EQ(up.presence().from(), "alice@example.com/home");
  EXPECT_EQ(stanza::childText(up.presence().element(), "show", "jabber:client"), "away");
  ASSERT_EQ(router.stanzas.size(), 1u);
  EXPECT_EQ(router.events, (std::vector<std::string>{"bound", "updated", "stanza"}));

  feed("<presence><priority>-128</priority></presence>");
  EXPECT_EQ(router.updated.back().priority(), -128);
  feed("<presence><priority>300</priority></presence>");
  EXPECT_THAT(transport.take(), HasSubstr("<presence type=\"error\"><error code=\"400\" "
                                          "type=\"modify\"><bad-request "));
  EXPECT_EQ(router.updated.size(), 2u);
  EXPECT_EQ(router.stanzas.size(), 2u);

  feed("<presence to='bob@example.com'/>");  // directed: no session change
  EXPECT_EQ(router.updated.size(), 2u);
  EXPECT_EQ(router.stanzas.size(), 3u);

  feed("<presence type='unavailable'/>");
  ASSERT_EQ(router.updated.size(), 3u);
  EXPECT_FALSE(router.updated.back().available());
  EXPECT_FALSE(router.updated.back().has_presence());
  EXPECT_EQ(router.stanzas.size(), 4u);
}

// Issue 9 case 13: the presence stored in the session directory is bounded; the broadcast
// itself goes out whole.
TEST_F(SessionTest, case13_TheStoredPresenceIsBoundedTheBroadcastWhole) {
  login();
  const std::string big(20 * 1024, 'z');
  feed(
      "<presence><show>dnd</show><status>busy</status>"
      "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>"
      "<x xmlns='urn:example:big'>" +
      big + "</x></presence>");
  ASSERT_EQ(router.updated.size(), 1u);
  const v1::Stanza& stored = router.updated[0].presence();
  EXPECT_LE(stored.ByteSizeLong(), 8u * 1024);
  EXPECT_EQ(stanza::childText(stored.element(), "show", "jabber:client"), "dnd");
  EXPECT_EQ(stanza::childText(stored.element(), "status", "jabber:client"), "busy");
  EXPECT_NE(stanza::findChild(stored.element(), "c", "http://jabber.org/protocol/caps"), nullptr);
  ASSERT_EQ(router.stanzas.size(), 1u);
  EXPECT_GT(router.stanzas[0].stanza.ByteSizeLong(), 20u * 1024);
}

TEST_F(SessionTest, RosterGetMarksTheSessionInterestedOnce) {
  login();
  feed("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
  ASSERT_EQ(router.updated.size(), 1u);
  EXPECT_TRUE(router.updated[0].interested());
  EXPECT_EQ(router.events, (std::vector<std::string>{"bound", "updated", "stanza"}));
  EXPECT_EQ(router.stanzas[0].stanza.id(), "r1");
  feed("<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_EQ(router.updated.size(), 1u);
  EXPECT_EQ(router.stanzas.size(), 2u);
}

TEST_F(SessionTest, InBandRegistrationAfterLoginIsForwarded) {
  login();
  feed(
      "<iq type='set' id='p'><query xmlns='jabber:iq:register'><username>alice</username>"
      "<password>new</password></query></iq>");
  ASSERT_EQ(router.stanzas.size(), 1u);
  EXPECT_EQ(auth.registerRequests.size(), 0u);
}

TEST_F(SessionTest, UnknownTopLevelElementIsUnsupportedStanzaType) {
  login();
  feed("<foo/>");
  EXPECT_THAT(transport.take(), HasSubstr("<unsupported-stanza-type "));
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
}

// --- Hostile input -----------------------------------------------------------------------

TEST_F(SessionTest, BrokenXmlIsNotWellFormed) {
  login();
  feed("<message><body></message>");
  EXPECT_TRUE(transport.take().ends_with(
      "<stream:error><not-well-formed xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
      "</stream:error></stream:stream>"));
  EXPECT_EQ(transport.closeCalls, 1);
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_EQ(router.ended[0].full_jid(), "alice@example.com/home");
  EXPECT_EQ(router.ended[0].session_id(), "gw1/7");
  EXPECT_TRUE(router.stanzas.empty());
}

TEST_F(SessionTest, BillionLaughsIsRestrictedXml) {
  start();
  feed(
      "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
      "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]>"
      "<stream:stream to='example.com' xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>&lol2;");
  const std::string out = transport.take();
  EXPECT_TRUE(out.starts_with("<?xml version='1.0'?><stream:stream ")) << out;  // §4.9.1.1
  EXPECT_TRUE(
      out.ends_with("<stream:error><restricted-xml "
                    "xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></stream:error>"
                    "</stream:stream>"))
      << out;
  EXPECT_EQ(transport.closeCalls, 1);
}

TEST_F(SessionTest, NothingIsReadAfterAStreamError) {
  login();
  feed("<foo/><message to='bob@example.com'/>");
  EXPECT_TRUE(router.stanzas.empty());
  feed("<message to='bob@example.com'/>");
  EXPECT_TRUE(router.stanzas.empty());
  EXPECT_EQ(transport.writesAfterClose, 0);
}

// --- Endings -----------------------------------------------------------------------------

TEST_F(SessionTest, ClientClosesTheStream) {
  login();
  feed("<presence/></stream:stream>");
  EXPECT_EQ(transport.take(), "</stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_TRUE(router.ended[0].was_available());
  session->onTransportClosed();
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, CloseWithErrorConflict) {
  login();
  session->closeWithError("conflict", "Replaced by a new session");
  EXPECT_EQ(transport.take(),
            "<stream:error><conflict xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/><text "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\">Replaced by a new session</text>"
            "</stream:error></stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
  session->closeWithError("conflict", "");
  session->onTransportClosed();
  EXPECT_EQ(router.ended.size(), 1u);
  EXPECT_EQ(transport.closeCalls, 1);
}

TEST_F(SessionTest, UnknownCloseConditionIsUndefined) {
  login();
  session->closeWithError("made-up", "");
  EXPECT_THAT(transport.take(), HasSubstr("<undefined-condition "));
}

TEST_F(SessionTest, IdleTimeout) {
  login();
  session->onIdleTimeout();
  EXPECT_EQ(transport.take(),
            "<stream:error><connection-timeout xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
            "</stream:error></stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, IdleTimeoutBeforeTheHeaderSendsOurHeaderFirst) {
  start();
  session->onIdleTimeout();
  const std::string out = transport.take();
  EXPECT_TRUE(out.starts_with("<?xml version='1.0'?><stream:stream ")) << out;
  EXPECT_THAT(out, HasSubstr("<connection-timeout "));
  EXPECT_TRUE(router.ended.empty());  // never bound
}

TEST_F(SessionTest, Shutdown) {
  login();
  session->shutdown();
  EXPECT_EQ(transport.take(),
            "<stream:error><system-shutdown xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
            "</stream:error></stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, TransportClosedReportsSessionEndedExactlyOnce) {
  login();
  feed("<presence/>");
  session->onTransportClosed();
  session->onTransportClosed();
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_TRUE(router.ended[0].was_available());
  const int writes = transport.writes;
  v1::Stanza m;
  m.set_kind(v1::STANZA_KIND_MESSAGE);
  m.mutable_element()->set_name("message");
  m.mutable_element()->set_ns("jabber:client");
  session->deliver(m);
  session->shutdown();
  feed("<presence/>");
  EXPECT_EQ(transport.writes, writes);
  EXPECT_EQ(transport.closeCalls, 0);
}

TEST_F(SessionTest, TransportClosedBeforeBindReportsNothing) {
  openSecure();
  session->onTransportClosed();
  EXPECT_TRUE(router.events.empty());
}

TEST_F(SessionTest, SendQueueOverflowEndsTheSessionQuietly) {
  login();
  const int writes = transport.writes;
  session->onSendQueueOverflow();
  EXPECT_EQ(router.ended.size(), 1u);
  EXPECT_EQ(transport.writes, writes);
  EXPECT_EQ(transport.closeCalls, 0);  // the transport closes itself
  session->onTransportClosed();
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, StreamManagementBeforeBindIsAnUnexpectedRequest) {
  openSecure();
  feed("<enable xmlns='urn:xmpp:sm:3'/>");
  EXPECT_EQ(transport.take(),
            "<failed xmlns=\"urn:xmpp:sm:3\"><unexpected-request "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></failed>");
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, SaslAfterAuthenticationIsRefused) {
  login();
  feed(plainAuth(kPlainAlice));
  EXPECT_THAT(transport.take(), HasSubstr("<unsupported-stanza-type "));
  EXPECT_EQ(auth.calls(), 1);
}

TEST_F(SessionTest, StarttlsAfterLoginFails) {
  config.tlsRequired = false;
  openLegacy();
  auth.legacy.push_back({kOk, FakeAuth::legacyOk("alice")});
  feed(
      "<iq type='set' id='l'><query xmlns='jabber:iq:auth'><username>alice</username>"
      "<digest>00</digest><resource>r</resource></query></iq>");
  ASSERT_TRUE(session->bound());
  transport.take();
  feed("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/></stream:stream>");
  EXPECT_EQ(transport.startTlsCalls, 0);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, ClientStreamErrorClosesTheStream) {
  login();
  feed("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  EXPECT_EQ(transport.take(), "</stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, NegotiationIqToAnotherAddressIsNotAuthorized) {
  config.registration = true;
  openSecure();
  feed("<iq type='get' id='r' to='other.example'><query xmlns='jabber:iq:register'/></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<not-authorized "));
  EXPECT_TRUE(session->closed());
}

TEST_F(SessionTest, PresencePriorityWithPlusSign) {
  login();
  feed("<presence><priority>+7</priority></presence>");
  ASSERT_EQ(router.updated.size(), 1u);
  EXPECT_EQ(router.updated[0].priority(), 7);
}

TEST_F(SessionTest, TlsHandshakeFailureEndsQuietly) {
  start();
  feed(header());
  feed("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  transport.take();
  session->shutdown();  // nothing plaintext may be written mid-handshake
  EXPECT_EQ(transport.take(), "");
  EXPECT_EQ(transport.closeCalls, 1);
  session->onTransportClosed();
  EXPECT_TRUE(router.events.empty());
}

// --- Deliveries --------------------------------------------------------------------------

TEST_F(SessionTest, DeliverWritesTheStanza) {
  login();
  session->deliver(chat("a<b"));
  EXPECT_EQ(transport.take(),
            "<message from=\"bob@example.com/pc\" to=\"alice@example.com/home\" type=\"chat\">"
            "<body>a&lt;b</body></message>");
}

// Issue 9 case 2: deleted on proof that the client read it (the answer to a ping sent
// after it), not once queued, nor once written to the socket.
TEST_F(SessionTest, DeliverOfflineAcksOnlyOnceAPingAfterItIsAnswered) {
  login();
  v1::Delivery d;
  *d.mutable_stanza() = chat("stored");
  d.set_offline_id(42);
  d.set_offline_user("alice@example.com");
  session->deliverOffline(d);
  EXPECT_THAT(transport.take(), HasSubstr("<body>stored</body>"));
  EXPECT_TRUE(router.acks.empty());  // queued is not read
  ASSERT_EQ(transport.queued.size(), 1u);
  session->onWritten(transport.queued[0]);
  EXPECT_TRUE(router.acks.empty());  // written is not read either
  EXPECT_EQ(transport.take(),
            "<iq type=\"get\" id=\"delivery-proof-1\" from=\"example.com\" "
            "to=\"alice@example.com/home\"><ping xmlns=\"urn:xmpp:ping\"/></iq>");

  // Two more, written while the ping is out: the next ping proves them.
  d.set_offline_id(43);
  session->deliverOffline(d);
  d.set_offline_id(44);
  session->deliverOffline(d);
  session->onWritten(transport.queued[1]);
  session->onWritten(transport.queued[2]);
  transport.take();
  feed("<iq type='result' id='delivery-proof-1' to='example.com'/>");
  ASSERT_EQ(router.acks.size(), 1u);
  EXPECT_EQ(router.acks[0].first, "alice@example.com");
  EXPECT_EQ(router.acks[0].second, std::vector<int64_t>{42});
  EXPECT_THAT(transport.take(), HasSubstr("id=\"delivery-proof-2\""));
  // Any answer proves the client read up to it, an error too.
  feed("<iq type='error' id='delivery-proof-2'/>");
  ASSERT_EQ(router.acks.size(), 2u);
  EXPECT_EQ(router.acks[1].second, (std::vector<int64_t>{43, 44}));
  EXPECT_TRUE(router.stanzas.empty());  // the answers are ours, not routed

  d.set_offline_id(0);  // not an offline message: nothing to ack
  session->deliverOffline(d);
  EXPECT_EQ(transport.queued.size(), 3u);
}

TEST_F(SessionTest, OfflineMessagesWithoutProofStayStored) {
  login();
  v1::Delivery d;
  *d.mutable_stanza() = chat("stored");
  d.set_offline_id(42);
  d.set_offline_user("alice@example.com");
  session->deliverOffline(d);
  session->onWritten(transport.queued[0]);  // written, the ping goes out, no answer
  session->onTransportClosed();
  EXPECT_TRUE(router.acks.empty());
  // Queued, never written: stays stored, and is not handed back either.
  session->onUnwritten({Outbound::offline(43, "alice@example.com")});
  EXPECT_TRUE(router.acks.empty());
  EXPECT_TRUE(router.undeliverableStanzas.empty());
}

// Issue 9 case 3: between the stream error and the end of the connection, a message for the
// closing session is handed back, not dropped.
TEST_F(SessionTest, MessageToAClosingSessionIsHandedBack) {
  login();
  session->closeWithError("conflict", "Replaced by a new connection");
  ASSERT_TRUE(session->closed());
  transport.take();
  session->deliver(chat("late"));
  EXPECT_EQ(transport.take(), "");
  ASSERT_EQ(router.undeliverableStanzas.size(), 1u);
  EXPECT_EQ(router.undeliverableStanzas[0].element().children(0).element().children(0).text(),
            "late");
}

TEST_F(SessionTest, RoutedMessagesNeverWrittenAreHandedBack) {
  login();
  session->deliver(chat("one"));
  ASSERT_EQ(transport.queued.size(), 1u);
  session->onTransportClosed();
  session->onUnwritten({transport.queued[0]});
  ASSERT_EQ(router.undeliverableStanzas.size(), 1u);
  EXPECT_EQ(router.undeliverableStanzas[0].element().children(0).element().children(0).text(),
            "one");
}

// Issue 9 case 8: the bind is answered once the router bound the session; when it could not
// (the session directory down), the client gets a 'wait' error and may bind again.
class BindResultTest : public SessionTest {
 protected:
  BindResultTest() { confirmBinds = false; }
  void authenticate() {
    openSecure();
    auth.sasl.push_back({kOk, FakeAuth::success("alice")});
    feed(plainAuth(kPlainAlice));
    feed(header());
    transport.take();
  }
};

TEST_F(BindResultTest, TheBindIsAnsweredOnlyOnceTheRouterBoundIt) {
  authenticate();
  feed(bindIq("home") + "<presence/>");
  EXPECT_EQ(transport.take(), "");  // waiting for the router
  ASSERT_EQ(router.bound.size(), 1u);
  EXPECT_TRUE(router.stanzas.empty());  // the pipelined presence waits too
  EXPECT_FALSE(session->bound());
  session->deliver(chat("early"));
  EXPECT_EQ(transport.take(), "");
  session->onBindResult("");
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("<jid>alice@example.com/home</jid>"));
  EXPECT_THAT(out, HasSubstr("<body>early</body>"));
  EXPECT_LT(out.find("<jid>"), out.find("early"));  // the result first
  EXPECT_TRUE(session->bound());
  ASSERT_EQ(router.stanzas.size(), 1u);  // the presence, read after the answer
}

TEST_F(BindResultTest, AFailedBindIsAWaitErrorAndMayBeTriedAgain) {
  authenticate();
  feed(bindIq("home"));
  session->onBindResult("resource-constraint");
  EXPECT_THAT(
      transport.take(),
      HasSubstr(
          "<iq type=\"error\" id=\"b1\"><error code=\"500\" type=\"wait\"><resource-constraint "));
  EXPECT_FALSE(session->bound());
  EXPECT_FALSE(session->closed());
  feed(bindIq("home", "b2"));
  ASSERT_EQ(router.bound.size(), 2u);
  session->onBindResult("");
  EXPECT_THAT(transport.take(), HasSubstr("<iq type=\"result\" id=\"b2\">"));
  EXPECT_TRUE(session->bound());
}

TEST_F(BindResultTest, NoAnswerInTimeEndsTheAttemptAtTheRouterAndTellsTheClientToWait) {
  authenticate();
  feed(bindIq("home"));
  ASSERT_FALSE(transport.flushDelays.empty());
  session->onFlushTimer();  // the bind timeout
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_EQ(router.ended[0].full_jid(), "alice@example.com/home");
  EXPECT_THAT(transport.take(), HasSubstr("<resource-constraint "));
  session->onBindResult("");  // too late: ignored
  EXPECT_FALSE(session->bound());
}

}  // namespace
}  // namespace xmpp::gateway

// The session over RFC 7395 framing (WebSocket messages): the same session, another framing.
// Each feed() is one WebSocket message.

#include "session_fixture.hpp"

namespace xmpp::gateway {
namespace {

constexpr std::string_view kOpen =
    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0'/>";

class WebSocketSessionTest : public SessionTest {
 protected:
  WebSocketSessionTest() {
    framing = &websocketFraming();
    transport.isSecure = true;  // wss://
  }
};

TEST_F(WebSocketSessionTest, OpenIsAnsweredWithOpenAndStandAloneFeatures) {
  start();
  feed(kOpen);
  const std::string out = transport.take();
  EXPECT_TRUE(
      out.starts_with("<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" id=\"s1d\" "
                      "from=\"example.com\" version=\"1.0\" xml:lang=\"en\"/>"
                      "<stream:features xmlns:stream=\"http://etherx.jabber.org/streams\">"))
      << out;
  EXPECT_THAT(out, HasSubstr("<mechanism>PLAIN</mechanism>"));
}

TEST_F(WebSocketSessionTest, LoginRestartBindChatAndClose) {
  start();
  feed(kOpen);
  transport.take();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  EXPECT_THAT(transport.take(), HasSubstr("<success "));
  // RFC 7395 §3.5: the restart is a new <open/>; our answer has a new id.
  feed(kOpen);
  const std::string reopened = transport.take();
  EXPECT_TRUE(reopened.starts_with("<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\""))
      << reopened;
  EXPECT_THAT(reopened, Not(HasSubstr("id=\"s1d\"")));
  EXPECT_THAT(reopened, HasSubstr("<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/>"));
  feed(bindIq("ws"));
  ASSERT_TRUE(session->bound()) << transport.all;
  EXPECT_EQ(session->fullJid(), "alice@example.com/ws");
  transport.take();

  // A stanza is one message, qualified by jabber:client itself.
  feed("<message xmlns='jabber:client' to='bob@example.com' type='chat'><body>hi</body></message>");
  ASSERT_EQ(router.stanzas.size(), 1u);
  EXPECT_EQ(router.stanzas[0].stanza.from(), "alice@example.com/ws");

  feed("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
  EXPECT_EQ(transport.take(), "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>");
  EXPECT_TRUE(session->closed());
  EXPECT_EQ(transport.closeCalls, 1);
}

TEST_F(WebSocketSessionTest, StanzaBeforeOpenIsAStreamErrorThatStandsAlone) {
  start();
  feed("<message xmlns='jabber:client' to='bob@example.com'/>");
  const std::string out = transport.take();
  EXPECT_TRUE(out.starts_with("<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"")) << out;
  EXPECT_THAT(out, HasSubstr("<stream:error xmlns:stream=\"http://etherx.jabber.org/streams\">"
                             "<bad-format "));
  EXPECT_TRUE(out.ends_with("<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>")) << out;
  EXPECT_TRUE(session->closed());
}

TEST_F(WebSocketSessionTest, ClosingTheImpliedStreamIsNotWellFormed) {
  start();
  feed(kOpen);
  transport.take();
  feed("</stream:stream>");
  EXPECT_THAT(transport.take(), HasSubstr("<not-well-formed "));
  EXPECT_TRUE(session->closed());
}

TEST_F(WebSocketSessionTest, RestrictedXmlHoldsAsOverTcp) {
  start();
  feed(kOpen);
  transport.take();
  feed("<!-- a comment -->");
  EXPECT_THAT(transport.take(), HasSubstr("<restricted-xml "));
  EXPECT_TRUE(session->closed());
}

}  // namespace
}  // namespace xmpp::gateway

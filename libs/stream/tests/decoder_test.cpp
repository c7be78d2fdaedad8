#include "xmpp/stream/decoder.hpp"

#include <gtest/gtest.h>

#include "xmpp/testing/recording_callbacks.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::stream {
namespace {

using testing::RecordingCallbacks;

const std::string kHeader =
    "<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' xml:lang='en'>";

TEST(Decoder, StreamOpenStanzasAndClose) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  std::string input = kHeader +
                      "<message to='a@b' type='chat'><body>hi &amp; bye</body></message> \n"
                      "<presence/></stream:stream>";
  EXPECT_EQ(d.feed(input), input.size());
  ASSERT_EQ(cb.events.size(), 4u);
  EXPECT_EQ(cb.events[0], "open to=example.com version=1.0 lang=en ns=jabber:client");
  EXPECT_EQ(cb.events[1],
            "stanza <message xmlns=\"jabber:client\" to=\"a@b\" type=\"chat\"><body>hi &amp; "
            "bye</body></message>");
  EXPECT_EQ(cb.events[2], "stanza <presence xmlns=\"jabber:client\"/>");
  EXPECT_EQ(cb.events[3], "close");
  EXPECT_FALSE(cb.error);
}

TEST(Decoder, ResolvesNamespacesPrefixesAndLang) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader +
         "<iq type='get' xml:lang='de'><q:query xmlns:q='jabber:iq:roster' xmlns:x='urn:x' "
         "x:attr='1'><q:item jid='j'><group>g</group></q:item></q:query></iq>");
  ASSERT_EQ(cb.stanzas.size(), 1u);
  xml::Element iq = cb.stanzas[0].document_element();
  EXPECT_EQ(xml::namespaceOf(iq), ns::kClient);
  EXPECT_STREQ(iq.attribute("xml:lang").value(), "de");
  xml::Element query = iq.first_child();
  EXPECT_STREQ(query.name(), "query");
  EXPECT_EQ(xml::namespaceOf(query), ns::kRoster);
  EXPECT_EQ(xml::namespaceOf(query, query.attribute("x:attr")), "urn:x");
  xml::Element group = query.first_child().first_child();
  EXPECT_EQ(xml::namespaceOf(group), "jabber:client");  // unprefixed: the default namespace
  EXPECT_EQ(xml::namespaceOf(query.first_child()), ns::kRoster);
}

TEST(Decoder, StreamErrorFromClientIsAStanzaOfTheStreamsNamespace) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader +
         "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
         "</stream:error>");
  ASSERT_EQ(cb.stanzas.size(), 1u);
  EXPECT_EQ(xml::namespaceOf(cb.stanzas[0].document_element()), ns::kStreams);
  EXPECT_STREQ(cb.stanzas[0].document_element().name(), "error");
}

TEST(Decoder, WhitespaceKeepalivesAreIgnored) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader);
  for (int i = 0; i < 1000; ++i) d.feed(" ");
  d.feed("\n<presence/>");
  ASSERT_EQ(cb.events.size(), 2u);
  EXPECT_FALSE(cb.error);
}

TEST(Decoder, OldClientWithoutVersion) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(
      "<stream:stream to='localhost' xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams'>");
  ASSERT_TRUE(cb.header);
  EXPECT_EQ(cb.header->version, "");
}

// A pause in a callback leaves the following bytes to the caller: after <starttls/> they are
// TLS records; after SASL success, a new stream header for the restarted decoder.
class PausingCallbacks : public RecordingCallbacks {
 public:
  XmppStreamDecoder* decoder = nullptr;
  std::string pauseOn;
  bool resetInCallback = false;
  void onStanza(xml::Document&& doc) override {
    bool match = pauseOn == doc.document_element().name();
    RecordingCallbacks::onStanza(std::move(doc));
    if (!match) return;
    if (resetInCallback) {
      decoder->reset();
    } else {
      decoder->pause();
    }
  }
};

TEST(Decoder, PauseReturnsTheBytesAfterTheStanza) {
  PausingCallbacks cb;
  XmppStreamDecoder d(cb);
  cb.decoder = &d;
  cb.pauseOn = "starttls";
  std::string tail = "\x16\x03\x01 TLS ClientHello bytes";
  std::string input = kHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + tail;
  size_t consumed = d.feed(input);
  EXPECT_EQ(input.substr(consumed), tail);
  EXPECT_EQ(cb.stanzas.size(), 1u);
  EXPECT_EQ(d.feed("more"), 0u);  // paused until reset
  d.reset();
  d.feed(kHeader + "<presence/>");
  EXPECT_EQ(cb.stanzas.size(), 2u);
  EXPECT_FALSE(cb.error);
}

// While an answer is awaited (an auth call in flight) the stream goes on after resume():
// the caller feeds the rest, nothing of the header again; the stream's prefixes still hold.
TEST(Decoder, ResumeContinuesTheSameStreamWithoutTheHeader) {
  PausingCallbacks cb;
  XmppStreamDecoder d(cb);
  cb.decoder = &d;
  cb.pauseOn = "auth";
  const std::string rest =
      "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>abc</response><stream:error/>";
  const std::string input =
      kHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'/>" + rest;
  const size_t consumed = d.feed(input);
  EXPECT_EQ(input.substr(consumed), rest);
  d.resume();
  EXPECT_TRUE(d.streamOpen());
  // Byte by byte: the replayed header must not be reported, nor counted against the limits.
  for (char c : rest) EXPECT_EQ(d.feed(std::string_view(&c, 1)), 1u);
  d.feed("</stream:stream>");
  ASSERT_EQ(cb.stanzas.size(), 3u);
  EXPECT_STREQ(cb.stanzas[1].document_element().name(), "response");
  EXPECT_STREQ(cb.stanzas[2].document_element().name(), "error");
  EXPECT_EQ(std::count_if(cb.events.begin(), cb.events.end(),
                          [](const std::string& e) { return e.rfind("open", 0) == 0; }),
            1);
  EXPECT_EQ(cb.events.back(), "close");
  EXPECT_FALSE(cb.error);
}

TEST(Decoder, WhitespaceBeforeTheXmlDeclarationIsSkipped) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  const std::string input = "\n \r\n" + kHeader + "<presence/>";
  EXPECT_EQ(d.feed("\n"), 1u);
  EXPECT_EQ(d.feed(input), input.size());
  EXPECT_EQ(cb.stanzas.size(), 1u);
  EXPECT_FALSE(cb.error);
}

TEST(Decoder, AnOverlongStreamHeaderIsAPolicyViolation) {
  RecordingCallbacks cb;
  DecoderLimits limits;
  limits.maxHeaderBytes = 512;
  XmppStreamDecoder d(cb, limits);
  d.feed("<?xml version='1.0'?><stream:stream xmlns='jabber:client' a='" + std::string(600, 'x'));
  ASSERT_TRUE(cb.error);
  EXPECT_EQ(cb.error->condition, StreamErrorCondition::kPolicyViolation);
}

// A header and many stanzas in one chunk are not an overlong header.
TEST(Decoder, StanzasPipelinedAfterTheHeaderDoNotCountAsHeader) {
  RecordingCallbacks cb;
  DecoderLimits limits;
  limits.maxHeaderBytes = 512;
  XmppStreamDecoder d(cb, limits);
  std::string input = kHeader;
  for (int i = 0; i < 100; ++i) input += "<presence/>";
  d.feed(input);
  EXPECT_EQ(cb.stanzas.size(), 100u);
  EXPECT_FALSE(cb.error);
}

TEST(Decoder, ResetInsideCallbackRestartsWithPipelinedHeader) {
  PausingCallbacks cb;
  XmppStreamDecoder d(cb);
  cb.decoder = &d;
  cb.pauseOn = "auth";
  cb.resetInCallback = true;
  std::string afterAuth = kHeader +
                          "<iq type='set' id='b'><bind "
                          "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>";
  std::string input =
      kHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGh4dwAx</auth>" +
      afterAuth;
  // One byte at a time around the restart point, then whole.
  size_t consumed = d.feed(input);
  EXPECT_EQ(input.substr(consumed), afterAuth);
  EXPECT_EQ(d.feed(input.substr(consumed)), afterAuth.size());
  ASSERT_EQ(cb.stanzas.size(), 2u);
  EXPECT_STREQ(cb.stanzas[1].document_element().name(), "iq");
  EXPECT_EQ(std::count(cb.events.begin(), cb.events.end(), cb.events[0]), 2);
  EXPECT_FALSE(cb.error);
}

TEST(Decoder, FinishWithoutCloseIsAnError) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader + "<message><body>partial");
  d.finish();
  ASSERT_TRUE(cb.error);
  EXPECT_EQ(cb.error->condition, StreamErrorCondition::kNotWellFormed);
  EXPECT_TRUE(cb.stanzas.empty());  // a partial stanza is never delivered
}

TEST(Decoder, FinishAfterCloseIsClean) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader + "<presence/></stream:stream>");
  d.finish();
  EXPECT_FALSE(cb.error);
  EXPECT_EQ(cb.events.back(), "close");
}

TEST(Decoder, InputAfterErrorIsIgnored) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader + "<a><b></a>");
  d.feed("<presence/>");
  ASSERT_TRUE(cb.error);
  EXPECT_EQ(cb.events.size(), 2u);  // open, error
  EXPECT_TRUE(d.failed());
}

TEST(StreamErrorText, Serializes) {
  EXPECT_EQ(serializeStreamError({StreamErrorCondition::kNotWellFormed, "x"}),
            "<stream:error><not-well-formed xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
            "</stream:error>");
  EXPECT_EQ(serializeStreamError({StreamErrorCondition::kPolicyViolation, "a<b"}, true),
            "<stream:error><policy-violation xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
            "<text xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\">a&lt;b</text></stream:error>");
}

}  // namespace
}  // namespace xmpp::stream

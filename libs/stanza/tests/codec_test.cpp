#include "xmpp/stanza/codec.hpp"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "xmpp/stanza/element.hpp"
#include "xmpp/stream/decoder.hpp"
#include "xmpp/testing/recording_callbacks.hpp"
#include "xmpp/testing/transcripts.hpp"

namespace xmpp::stanza {
namespace {

using google::protobuf::util::MessageDifferencer;

std::vector<xml::Document> decodeAll(const std::string& stream) {
  testing::RecordingCallbacks cb;
  stream::XmppStreamDecoder d(cb);
  d.feed(stream);
  EXPECT_FALSE(cb.error) << (cb.error ? cb.error->text : "");
  return std::move(cb.stanzas);
}

v1::Stanza decodeOne(const std::string& stanzaXml) {
  auto docs = decodeAll(testing::clientStreamHeader() + stanzaXml);
  EXPECT_EQ(docs.size(), 1u) << stanzaXml;
  return docs.empty() ? v1::Stanza{} : toProto(docs[0].document_element());
}

TEST(Codec, LiftsTheRoutingEnvelope) {
  v1::Stanza s = decodeOne(
      "<message to='juliet@example.com' from='romeo@example.net/orchard' id='m1' type='chat' "
      "xml:lang='en' extra='x'><body>hi</body></message>");
  EXPECT_EQ(s.kind(), v1::STANZA_KIND_MESSAGE);
  EXPECT_EQ(s.to(), "juliet@example.com");
  EXPECT_EQ(s.from(), "romeo@example.net/orchard");
  EXPECT_EQ(s.id(), "m1");
  EXPECT_EQ(s.type(), "chat");
  EXPECT_EQ(s.lang(), "en");
  EXPECT_EQ(s.element().name(), "message");
  EXPECT_EQ(s.element().ns(), "jabber:client");
  ASSERT_EQ(s.element().attributes_size(), 1);
  EXPECT_EQ(s.element().attributes(0).name(), "extra");
  EXPECT_EQ(childText(s.element(), "body", "jabber:client"), "hi");
}

TEST(Codec, ToElementPutsTheEnvelopeBackForEmbedding) {
  v1::Stanza s = decodeOne(
      "<message to='juliet@example.com' from='romeo@example.net/orchard' id='m1' type='chat' "
      "xml:lang='en' extra='x'><body>hi</body></message>");
  std::string out;
  toXml(toElement(s), out, "urn:xmpp:forward:0");
  EXPECT_EQ(out,
            "<message xmlns=\"jabber:client\" from=\"romeo@example.net/orchard\" "
            "to=\"juliet@example.com\" id=\"m1\" type=\"chat\" xml:lang=\"en\" extra=\"x\">"
            "<body>hi</body></message>");
}

TEST(Codec, KindsAndOtherElements) {
  EXPECT_EQ(decodeOne("<presence/>").kind(), v1::STANZA_KIND_PRESENCE);
  EXPECT_EQ(decodeOne("<iq type='get' id='1'/>").kind(), v1::STANZA_KIND_IQ);
  v1::Stanza auth =
      decodeOne("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGh4dwAx</auth>");
  EXPECT_EQ(auth.kind(), v1::STANZA_KIND_OTHER);
  EXPECT_EQ(attribute(auth.element(), "mechanism"), "PLAIN");
  EXPECT_EQ(text(auth.element()), "AGh4dwAx");
  // Attributes of non-stanza elements stay on the element, even routing-looking ones.
  v1::Stanza other = decodeOne("<x xmlns='urn:x' id='7' to='t'/>");
  EXPECT_EQ(other.id(), "");
  EXPECT_EQ(attribute(other.element(), "id"), "7");
}

TEST(Codec, SerializerOmitsTheStreamNamespaceAndEscapes) {
  v1::Stanza s = decodeOne(
      "<message to='a&amp;b@c' type='chat'><body>1 &lt; 2 &amp; "
      "&quot;q&quot;</body><x xmlns='urn:x' a='&apos;'/></message>");
  EXPECT_EQ(toXml(s),
            "<message to=\"a&amp;b@c\" type=\"chat\"><body>1 &lt; 2 &amp; \"q\"</body>"
            "<x xmlns=\"urn:x\" a=\"'\"/></message>");
  EXPECT_EQ(toXml(s, ""),
            "<message xmlns=\"jabber:client\" to=\"a&amp;b@c\" type=\"chat\"><body>1 &lt; 2 "
            "&amp; \"q\"</body><x xmlns=\"urn:x\" a=\"'\"/></message>");
}

TEST(Codec, NamespacedAttributesSurvive) {
  v1::Stanza s = decodeOne(
      "<message xmlns:p='urn:p'><x xmlns='urn:x' p:a='1' xml:lang='fr'/>"
      "</message>");
  const v1::Element* x = findChild(s.element(), "x", "urn:x");
  ASSERT_NE(x, nullptr);
  ASSERT_EQ(x->attributes_size(), 2);
  EXPECT_EQ(x->attributes(0).ns(), "urn:p");
  EXPECT_EQ(x->attributes(1).ns(), xml::kXmlNamespace);
  v1::Stanza again = decodeOne(toXml(s));
  EXPECT_TRUE(MessageDifferencer::Equals(s, again)) << toXml(s);
}

TEST(Codec, TreeConversionMatchesTextSerialization) {
  v1::Stanza s = decodeOne(
      "<iq type='set' id='x'><query xmlns='jabber:iq:roster'><item "
      "jid='a@b' name='A'><group>G</group></item></query></iq>");
  xml::Document tree = toTree(s);
  EXPECT_EQ(xml::toString(tree.document_element(), "jabber:client"), toXml(s));
  v1::Stanza back = toProto(tree.document_element());
  EXPECT_TRUE(MessageDifferencer::Equals(s, back));
}

// XML -> proto -> XML -> proto over every client stanza of every transcript: lossless, and
// the payloads (msgExtension, si, bytestreams) come back unchanged.
TEST(Codec, TranscriptRoundTrip) {
  size_t checked = 0;
  for (const auto& t : testing::loadTranscripts()) {
    for (const auto& segment : testing::clientSegments(t)) {
      for (auto& doc : decodeAll(segment)) {
        v1::Stanza first = toProto(doc.document_element());
        std::string text = toXml(first);
        auto docs = decodeAll(testing::clientStreamHeader() + text);
        ASSERT_EQ(docs.size(), 1u) << text;
        EXPECT_TRUE(xml::equivalent(doc.document_element(), docs[0].document_element()))
            << t.name << ": " << text;
        v1::Stanza second = toProto(docs[0].document_element());
        EXPECT_TRUE(MessageDifferencer::Equals(first, second)) << t.name << ": " << text;
        // And through the wire format.
        v1::Stanza wire;
        ASSERT_TRUE(wire.ParseFromString(first.SerializeAsString()));
        EXPECT_EQ(toXml(wire), text);
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 15u);
}

TEST(Codec, TranscriptExtensionsCrossUnchanged) {
  auto transcripts = testing::loadTranscripts();
  bool sawMsgExtension = false, sawSi = false;
  for (const auto& t : transcripts) {
    for (const auto& block : testing::clientStanzas(t)) {
      v1::Stanza s = decodeOne(block);
      v1::Stanza wire;
      ASSERT_TRUE(wire.ParseFromString(s.SerializeAsString()));
      if (const auto* ext = findChild(wire.element(), "msgExtension",
                                      "http://jabber.org/protocol/msgExtension")) {
        sawMsgExtension = true;
        EXPECT_EQ(childText(*ext, "msg", ext->ns()), "新消息2");
        EXPECT_EQ(childText(*ext, "uuid", ext->ns()), "603c02ee");
      }
      if (const auto* si = findChild(wire.element(), "si", "http://jabber.org/protocol/si")) {
        sawSi = true;
        EXPECT_EQ(attribute(*si, "profile"), "http://jabber.org/protocol/si/profile/file-transfer");
        const auto* file =
            findChild(*si, "file", "http://jabber.org/protocol/si/profile/file-transfer");
        ASSERT_NE(file, nullptr);
        EXPECT_EQ(attribute(*file, "size"), "382");
      }
    }
  }
  EXPECT_TRUE(sawMsgExtension);
  EXPECT_TRUE(sawSi);
}

}  // namespace
}  // namespace xmpp::stanza

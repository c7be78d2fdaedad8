#include <gtest/gtest.h>

#include "xmpp/stanza/codec.hpp"
#include "xmpp/stanza/payloads.hpp"
#include "xmpp/stream/decoder.hpp"
#include "xmpp/testing/recording_callbacks.hpp"
#include "xmpp/testing/transcripts.hpp"

namespace xmpp::stanza {
namespace {

v1::Stanza decodeOne(const std::string& stanzaXml) {
  testing::RecordingCallbacks cb;
  stream::XmppStreamDecoder d(cb);
  d.feed(testing::clientStreamHeader() + stanzaXml);
  EXPECT_EQ(cb.stanzas.size(), 1u) << stanzaXml;
  return cb.stanzas.empty() ? v1::Stanza{} : toProto(cb.stanzas[0].document_element());
}

TEST(Payloads, BindFromSpark) {
  auto s = decodeOne(
      "<iq id='O193v-0' type='set'><bind "
      "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>spark</resource></bind></iq>");
  auto bind = getPayload<Bind>(s);
  ASSERT_TRUE(bind);
  EXPECT_EQ(bind->resource, "spark");
  EXPECT_FALSE(getPayload<RosterQuery>(s));
}

TEST(Payloads, RosterQueryRoundTrip) {
  auto s = decodeOne(
      "<iq type='result' id='r'><query xmlns='jabber:iq:roster' ver='v3'><item "
      "jid='friend@localhost' name='friend' subscription='both' ask='subscribe'>"
      "<group>localhost</group><group>b</group></item></query></iq>");
  auto q = getPayload<RosterQuery>(s);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->ver, "v3");
  ASSERT_EQ(q->items.size(), 1u);
  EXPECT_EQ(q->items[0].jid, "friend@localhost");
  EXPECT_EQ(q->items[0].subscription, "both");
  EXPECT_EQ(q->items[0].ask, "subscribe");
  EXPECT_EQ(q->items[0].groups, (std::vector<std::string>{"localhost", "b"}));

  v1::Stanza built;
  built.set_kind(v1::STANZA_KIND_IQ);
  built.mutable_element()->set_name("iq");
  built.mutable_element()->set_ns("jabber:client");
  addPayload(built, *q);
  EXPECT_EQ(getPayload<RosterQuery>(built), q);
}

TEST(Payloads, RosterItemWithoutJidIsRejected) {
  auto s = decodeOne("<iq type='set'><query xmlns='jabber:iq:roster'><item/></query></iq>");
  EXPECT_FALSE(getPayload<RosterQuery>(s));
}

TEST(Payloads, DiscoRoundTrip) {
  DiscoInfo info{"", {{"server", "im", "xmppd"}}, {"urn:xmpp:ping", "jabber:iq:version"}};
  DiscoItems items{"n", {{"proxy.localhost", "", "SOCKS5"}}};
  v1::Stanza s;
  s.mutable_element()->set_name("iq");
  s.mutable_element()->set_ns("jabber:client");
  addPayload(s, info);
  addPayload(s, items);
  v1::Stanza back = decodeOne(toXml(s));
  EXPECT_EQ(getPayload<DiscoInfo>(back), info);
  EXPECT_EQ(getPayload<DiscoItems>(back), items);
}

TEST(Payloads, LegacyAuthFromTranscript) {
  auto s = decodeOne(
      "<iq id='agsXMPP_2' to='localhost' type='set'><query xmlns='jabber:iq:auth'>"
      "<username>test</username><digest>e66557d2b67256bf7e9b317a51b6101674a56b5e"
      "</digest><resource>MiniClient</resource></query></iq>");
  auto a = getPayload<LegacyAuth>(s);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->username, "test");
  EXPECT_EQ(a->digest, "e66557d2b67256bf7e9b317a51b6101674a56b5e");
  EXPECT_EQ(a->resource, "MiniClient");
  EXPECT_FALSE(a->password);
}

}  // namespace
}  // namespace xmpp::stanza

// Hostile input: every case ends in the right stream error, never a crash, a hang or
// unbounded memory. Memory is checked two ways: the error must fire within a bounded
// number of input bytes, and a forked child decoding the input must not grow its peak RSS
// by more than a bound.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include <gtest/gtest.h>

#include "xmpp/stream/decoder.hpp"
#include "xmpp/testing/recording_callbacks.hpp"

namespace xmpp::stream {
namespace {

using C = StreamErrorCondition;
using testing::RecordingCallbacks;

const std::string kHeader =
    "<stream:stream to='example.com' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

// Feeds `input` in `chunk`-byte pieces until an error; returns the bytes fed by then.
size_t feedUntilError(XmppStreamDecoder& d, RecordingCallbacks& cb, std::string_view input,
                      size_t chunk = 4096) {
  size_t fed = 0;
  while (fed < input.size() && !cb.error) {
    std::string_view piece = input.substr(fed, chunk);
    d.feed(piece);
    fed += piece.size();
  }
  return fed;
}

std::optional<C> decode(std::string_view input, DecoderLimits limits = {}) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb, std::move(limits));
  d.feed(input);
  if (!cb.error) return std::nullopt;
  return cb.error->condition;
}

// Peak RSS growth (KiB) of a forked child running `work`, over a child that does nothing.
long childPeakRssKb(const std::function<void()>& work) {
  pid_t pid = fork();
  if (pid == 0) {
    work();
    _exit(0);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child crashed";
  return usage.ru_maxrss;
}

long peakRssGrowthKb(const std::function<void()>& work) {
  const long baseline = childPeakRssKb([] {});
  return childPeakRssKb(work) - baseline;
}

constexpr long kMemoryBoundKb = 24 * 1024;

std::string billionLaughs() {
  std::string s = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>";
  for (int i = 1; i < 10; ++i) {
    s += "<!ENTITY lol" + std::to_string(i) + " '";
    for (int j = 0; j < 10; ++j)
      s += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    s += "'>";
  }
  s += "]>" + kHeader + "<message><body>&lol9;</body></message>";
  return s;
}

TEST(Hostile, BillionLaughsIsRestrictedXml) {
  std::string input = billionLaughs();
  EXPECT_EQ(decode(input), C::kRestrictedXml);
  EXPECT_LT(peakRssGrowthKb([&] { (void)decode(input); }), kMemoryBoundKb);
}

TEST(Hostile, DoctypeInsideTheStreamIsRefused) {
  // After the stream header a DOCTYPE is not even well-formed XML.
  EXPECT_EQ(decode(kHeader + "<!DOCTYPE x [<!ENTITY a 'b'>]>"), C::kNotWellFormed);
}

TEST(Hostile, RestrictedXmlConstructs) {
  EXPECT_EQ(decode(kHeader + "<message><!-- hi --></message>"), C::kRestrictedXml);
  EXPECT_EQ(decode(kHeader + "<!-- between stanzas -->"), C::kRestrictedXml);
  EXPECT_EQ(decode(kHeader + "<message><?pi data?></message>"), C::kRestrictedXml);
  EXPECT_EQ(decode("<?pi x?>" + kHeader), C::kRestrictedXml);
  EXPECT_EQ(decode(kHeader + "<message><body>&custom;</body></message>"), C::kRestrictedXml);
  EXPECT_EQ(decode("<!DOCTYPE stream SYSTEM 'http://example.com/x.dtd'>" + kHeader),
            C::kRestrictedXml);
}

TEST(Hostile, PredefinedEntitiesAndCharacterReferencesAreFine) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader +
         "<message><body>&lt;&gt;&amp;&apos;&quot;&#x41;&#66;<![CDATA[<x>]]></body>"
         "</message>");
  ASSERT_FALSE(cb.error);
  ASSERT_EQ(cb.stanzas.size(), 1u);
  EXPECT_STREQ(cb.stanzas[0].document_element().first_child().child_value(), "<>&'\"AB<x>");
}

TEST(Hostile, TenThousandNestedElements) {
  std::string input = kHeader + "<message>";
  for (int i = 0; i < 10000; ++i) input += "<a>";
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(input);
  ASSERT_TRUE(cb.error);
  EXPECT_EQ(cb.error->condition, C::kPolicyViolation);
  EXPECT_TRUE(cb.stanzas.empty());
  EXPECT_LT(peakRssGrowthKb([&] {
              RecordingCallbacks c;
              XmppStreamDecoder dd(c);
              dd.feed(input);
            }),
            kMemoryBoundKb);
}

TEST(Hostile, DepthLimitIsConfigurable) {
  std::string ok = kHeader + "<message><a><b><c/></b></a></message>";
  EXPECT_EQ(decode(ok, {.maxDepth = 4}), std::nullopt);
  EXPECT_EQ(decode(ok, {.maxDepth = 3}), C::kPolicyViolation);
}

TEST(Hostile, TwoMebibyteStanzaIsRefusedEarly) {
  std::string input =
      kHeader + "<message><body>" + std::string(2 * 1024 * 1024, 'x') + "</body></message>";
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  size_t fed = feedUntilError(d, cb, input);
  ASSERT_TRUE(cb.error);
  EXPECT_EQ(cb.error->condition, C::kPolicyViolation);
  EXPECT_LE(fed, kHeader.size() + 256 * 1024 + 4096);  // refused as soon as the limit passed
  EXPECT_LT(peakRssGrowthKb([&] {
              RecordingCallbacks c;
              XmppStreamDecoder dd(c);
              feedUntilError(dd, c, input, 64 * 1024);
            }),
            kMemoryBoundKb);
}

TEST(Hostile, HugeAttributeValueInOneChunkIsRefused) {
  // One token expat would have to buffer whole.
  std::string input = kHeader + "<message to='" + std::string(2 * 1024 * 1024, 'a') + "'/>";
  EXPECT_EQ(decode(input), C::kPolicyViolation);
}

TEST(Hostile, StanzaSizeLimitIsConfigurable) {
  std::string stanza = "<message><body>" + std::string(1000, 'x') + "</body></message>";
  EXPECT_EQ(decode(kHeader + stanza, {.maxStanzaBytes = 2000}), std::nullopt);
  EXPECT_EQ(decode(kHeader + stanza, {.maxStanzaBytes = 500}), C::kPolicyViolation);
}

TEST(Hostile, UnendingStartTagIsBoundedByBufferedBytes) {
  std::string input = kHeader + "<message " + std::string(1024 * 1024, ' ');
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb, {.maxBufferedBytes = 64 * 1024});
  size_t fed = feedUntilError(d, cb, input, 1024);
  ASSERT_TRUE(cb.error);
  EXPECT_EQ(cb.error->condition, C::kPolicyViolation);
  EXPECT_LE(fed, kHeader.size() + 64 * 1024 + 1024);
}

TEST(Hostile, TooManyAttributes) {
  std::string many = kHeader + "<message";
  for (int i = 0; i < 100; ++i) many += " a" + std::to_string(i) + "='v'";
  many += "/>";
  EXPECT_EQ(decode(many), C::kPolicyViolation);
  EXPECT_EQ(decode(many, {.maxAttributes = 100}), std::nullopt);
}

TEST(Hostile, InvalidUtf8) {
  EXPECT_EQ(decode(kHeader + "<message><body>\xC3\x28</body></message>"), C::kUnsupportedEncoding);
  EXPECT_EQ(decode(kHeader + "<message><body>\xED\xA0\x80</body></message>"),
            C::kUnsupportedEncoding);
  EXPECT_EQ(decode(std::string("\xFF\xFE<\0s\0", 6)), C::kUnsupportedEncoding);  // UTF-16LE BOM
}

TEST(Hostile, StanzasBeforeInvalidBytesAreStillDelivered) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader + "<presence/><message>\xFF</message>");
  ASSERT_TRUE(cb.error);
  EXPECT_EQ(cb.stanzas.size(), 1u);  // no data already accepted is lost
}

TEST(Hostile, DeclaredNonUtf8Encoding) {
  EXPECT_EQ(decode("<?xml version='1.0' encoding='ISO-8859-1'?>" + kHeader),
            C::kUnsupportedEncoding);
  EXPECT_EQ(decode("<?xml version='1.0' encoding='utf-8'?>" + kHeader), std::nullopt);
}

TEST(Hostile, IllegalXmlCharacters) {
  EXPECT_EQ(decode(kHeader + "<message><body>\x01</body></message>"), C::kNotWellFormed);
  EXPECT_EQ(decode(kHeader + "<message><body>&#0;</body></message>"), C::kNotWellFormed);
}

TEST(Hostile, NotWellFormed) {
  EXPECT_EQ(decode(kHeader + "<message><body></message>"), C::kNotWellFormed);
  EXPECT_EQ(decode(kHeader + "<message a='1' a='2'/>"), C::kNotWellFormed);
  EXPECT_EQ(decode(kHeader + "<<<"), C::kNotWellFormed);
  EXPECT_EQ(decode(kHeader + "</stream:foo>"), C::kNotWellFormed);
}

TEST(Hostile, UnclosedStream) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  d.feed(kHeader + "<presence/>");
  EXPECT_FALSE(cb.error);
  d.finish();
  ASSERT_TRUE(cb.error);
  EXPECT_EQ(cb.error->condition, C::kNotWellFormed);
  EXPECT_EQ(cb.stanzas.size(), 1u);
}

TEST(Hostile, NamespaceErrors) {
  // Wrong stream namespace, wrong or missing content namespace, unbound prefix.
  EXPECT_EQ(decode("<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong'>"),
            C::kInvalidNamespace);
  EXPECT_EQ(decode("<stream:stream xmlns='jabber:server' "
                   "xmlns:stream='http://etherx.jabber.org/streams'>"),
            C::kInvalidNamespace);
  EXPECT_EQ(decode("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>"),
            C::kInvalidNamespace);
  EXPECT_EQ(decode("<stream:stream xmlns='jabber:client'>"), C::kBadNamespacePrefix);
  EXPECT_EQ(decode(kHeader + "<message xmlns='jabber:server'/>"), C::kInvalidNamespace);
  EXPECT_EQ(decode(kHeader + "<x:message/>"), C::kBadNamespacePrefix);
  EXPECT_EQ(decode(kHeader + "<message xmlns=''/>"), C::kInvalidNamespace);
  EXPECT_EQ(decode("<stream:features xmlns='jabber:client' "
                   "xmlns:stream='http://etherx.jabber.org/streams'>"),
            C::kBadFormat);
}

TEST(Hostile, ElementsInReservedNamespaces) {
  // Found by decoder_fuzz: accepted, it could not be serialized again.
  EXPECT_EQ(decode(kHeader + "<xml:lange xmlns=':jat'/>"), C::kBadNamespacePrefix);
  EXPECT_EQ(decode(kHeader + "<message><xml:x/></message>"), C::kBadNamespacePrefix);
  EXPECT_EQ(decode(kHeader + "<message xml:lang='en'><body>ok</body></message>"), std::nullopt);
}

TEST(Hostile, TextBetweenStanzas) {
  EXPECT_EQ(decode(kHeader + "hello<presence/>"), C::kBadFormat);
}

TEST(Hostile, ContentNamespaceIsConfigurable) {
  EXPECT_EQ(decode("<stream:stream xmlns='jabber:server' "
                   "xmlns:stream='http://etherx.jabber.org/streams'><message/>",
                   {.contentNamespace = "jabber:server"}),
            std::nullopt);
}

}  // namespace
}  // namespace xmpp::stream

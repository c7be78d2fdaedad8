// Every client block of every recorded transcript decodes, whatever the chunking.

#include <gtest/gtest.h>

#include "xmpp/stream/decoder.hpp"
#include "xmpp/testing/recording_callbacks.hpp"
#include "xmpp/testing/transcripts.hpp"

namespace xmpp::stream {
namespace {

using testing::RecordingCallbacks;

std::vector<std::string> decodeChunked(const std::string& input, const std::vector<size_t>& cuts) {
  RecordingCallbacks cb;
  XmppStreamDecoder d(cb);
  size_t from = 0;
  for (size_t cut : cuts) {
    EXPECT_EQ(d.feed(std::string_view(input).substr(from, cut - from)), cut - from);
    from = cut;
  }
  d.feed(std::string_view(input).substr(from));
  return cb.events;
}

class TranscriptDecode : public ::testing::TestWithParam<testing::Transcript> {};

TEST_P(TranscriptDecode, EveryClientBlockDecodes) {
  const auto& t = GetParam();
  size_t stanzas = 0;
  for (const std::string& segment : testing::clientSegments(t)) {
    RecordingCallbacks cb;
    XmppStreamDecoder d(cb);
    d.feed(segment);
    ASSERT_FALSE(cb.error) << t.name << ": " << cb.error->text;
    ASSERT_TRUE(cb.header);
    stanzas += cb.stanzas.size();
  }
  EXPECT_EQ(stanzas, testing::clientStanzas(t).size()) << t.name;
}

TEST_P(TranscriptDecode, DecodedStanzasEqualTheRecordedOnes) {
  const auto& t = GetParam();
  std::vector<xml::Document> decoded;
  for (const std::string& segment : testing::clientSegments(t)) {
    RecordingCallbacks cb;
    XmppStreamDecoder d(cb);
    d.feed(segment);
    for (auto& s : cb.stanzas) decoded.push_back(std::move(s));
  }
  auto recorded = testing::clientStanzas(t);
  ASSERT_EQ(decoded.size(), recorded.size());
  for (size_t i = 0; i < recorded.size(); ++i) {
    // The recorded block inherits the stream's default namespace.
    xml::Document expected;
    std::string wrapped = "<w xmlns='jabber:client'>" + recorded[i] + "</w>";
    ASSERT_TRUE(expected.load_string(wrapped.c_str(), pugi::parse_default | pugi::parse_ws_pcdata));
    EXPECT_TRUE(
        xml::equivalent(expected.document_element().first_child(), decoded[i].document_element()))
        << t.name << " block " << i;
  }
}

TEST_P(TranscriptDecode, OneByteAtATime) {
  for (const std::string& segment : testing::clientSegments(GetParam())) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < segment.size(); ++i) cuts.push_back(i);
    EXPECT_EQ(decodeChunked(segment, cuts), decodeChunked(segment, {}));
  }
}

TEST_P(TranscriptDecode, SplitAtEveryByteBoundary) {
  for (const std::string& segment : testing::clientSegments(GetParam())) {
    const auto whole = decodeChunked(segment, {});
    for (size_t cut = 1; cut < segment.size(); ++cut) {
      ASSERT_EQ(decodeChunked(segment, {cut}), whole) << GetParam().name << " cut at " << cut;
    }
  }
}

TEST_P(TranscriptDecode, WholeTranscriptWithRestartsInOneBuffer) {
  // All segments back to back, the client's view: the decoder is reset at each restart
  // point and the rest of the buffer is fed again, as the gateway does after SASL.
  const auto segments = testing::clientSegments(GetParam());
  std::string all;
  for (const auto& s : segments) all += s;
  struct Restarting : RecordingCallbacks {
    XmppStreamDecoder* d = nullptr;
    void onStanza(xml::Document&& doc) override {
      std::string_view name = doc.document_element().name();
      RecordingCallbacks::onStanza(std::move(doc));
      if (name == "starttls" || name == "auth") d->reset();
    }
  } cb;
  XmppStreamDecoder d(cb);
  cb.d = &d;
  std::string_view rest = all;
  int rounds = 0;
  while (!rest.empty() && rounds++ < 10) rest.remove_prefix(d.feed(rest));
  EXPECT_TRUE(rest.empty());
  EXPECT_FALSE(cb.error);
  EXPECT_EQ(cb.stanzas.size(), testing::clientStanzas(GetParam()).size());
}

INSTANTIATE_TEST_SUITE_P(Transcripts, TranscriptDecode,
                         ::testing::ValuesIn(testing::loadTranscripts()), [](const auto& param) {
                           std::string n = param.param.name;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace xmpp::stream

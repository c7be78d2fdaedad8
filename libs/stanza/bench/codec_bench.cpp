// Decode (bytes -> expat -> element tree -> protobuf) and encode (protobuf -> XML text)
// throughput. Not a test: run it by hand, figures go to docs/performance.md.
//
//   build/default/libs/stanza/codec_bench --benchmark_min_time=2

#include <benchmark/benchmark.h>

#include <google/protobuf/arena.h>

#include "xmpp/stanza/codec.hpp"
#include "xmpp/stream/decoder.hpp"
#include "xmpp/testing/transcripts.hpp"

namespace {

using namespace xmpp;

// Converts each stanza to protobuf as the gateway does, on an arena reset per batch.
class ProtoSink : public stream::DecoderCallbacks {
 public:
  void onStreamOpen(stream::StreamHeader) override {}
  void onStanza(xml::Document&& doc) override {
    auto* s = google::protobuf::Arena::CreateMessage<v1::Stanza>(&arena_);
    stanza::toProto(doc.document_element(), *s);
    last = s;
    ++count;
  }
  void onStreamClose() override {}
  void onError(const stream::StreamError& e) override { error = e.text; }
  void resetArena() { arena_.Reset(); }

  google::protobuf::Arena arena_;
  v1::Stanza* last = nullptr;
  size_t count = 0;
  std::string error;
};

// About 200 bytes on the wire, like a typical chat message.
std::string chatMessage(int i) {
  const std::string head = "<message to='juliet@capulet.example/balcony' id='m" +
                           std::to_string(i) + "' type='chat'><body>";
  const std::string tail =
      "</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>";
  return head + std::string(200 - head.size() - tail.size(), 'x') + tail;
}

std::string transcriptMix() {
  std::string out;
  for (const auto& t : testing::loadTranscripts()) {
    for (const auto& s : testing::clientStanzas(t)) {
      // Stream-level elements (starttls, auth) are part of the mix too.
      out += s;
    }
  }
  return out;
}

void runDecode(benchmark::State& state, const std::string& body, size_t stanzasPerBody) {
  ProtoSink sink;
  const std::string header = testing::clientStreamHeader();
  stream::XmppStreamDecoder decoder(sink);
  decoder.feed(header);
  const size_t chunk = 4096;  // the gateway's read size
  for (auto _ : state) {
    for (size_t off = 0; off < body.size(); off += chunk) {
      decoder.feed(std::string_view(body).substr(off, chunk));
    }
    sink.resetArena();
  }
  if (!sink.error.empty()) state.SkipWithError(sink.error.c_str());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stanzasPerBody));
  state.counters["stanza_bytes"] = static_cast<double>(body.size()) / stanzasPerBody;
}

void BM_DecodeChat(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += chatMessage(i);
  runDecode(state, body, 1000);
}
BENCHMARK(BM_DecodeChat);

void BM_DecodeTranscriptMix(benchmark::State& state) {
  std::string body;
  size_t n = 0;
  const std::string one = transcriptMix();
  for (const auto& t : testing::loadTranscripts()) n += testing::clientStanzas(t).size();
  for (int i = 0; i < 50; ++i) body += one;
  runDecode(state, body, n * 50);
}
BENCHMARK(BM_DecodeTranscriptMix);

std::vector<v1::Stanza> decodeToProtos(const std::string& body) {
  struct Collect : stream::DecoderCallbacks {
    std::vector<v1::Stanza> out;
    void onStreamOpen(stream::StreamHeader) override {}
    void onStanza(xml::Document&& d) override {
      out.push_back(stanza::toProto(d.document_element()));
    }
    void onStreamClose() override {}
    void onError(const stream::StreamError&) override {}
  } c;
  stream::XmppStreamDecoder d(c);
  d.feed(testing::clientStreamHeader() + body);
  return c.out;
}

void runEncode(benchmark::State& state, const std::vector<v1::Stanza>& stanzas) {
  std::string out;
  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    for (const auto& s : stanzas) stanza::toXml(s, out);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stanzas.size()));
}

void BM_EncodeChat(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += chatMessage(i);
  runEncode(state, decodeToProtos(body));
}
BENCHMARK(BM_EncodeChat);

void BM_EncodeTranscriptMix(benchmark::State& state) {
  runEncode(state, decodeToProtos(transcriptMix()));
}
BENCHMARK(BM_EncodeTranscriptMix);

// The wire hop: protobuf serialize + parse, as a stanza crosses gateway -> router.
void BM_ProtobufWireChat(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += chatMessage(i);
  auto stanzas = decodeToProtos(body);
  std::string wire;
  v1::Stanza parsed;
  for (auto _ : state) {
    for (const auto& s : stanzas) {
      wire.clear();
      s.SerializeToString(&wire);
      parsed.ParseFromString(wire);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stanzas.size()));
}
BENCHMARK(BM_ProtobufWireChat);

}  // namespace

BENCHMARK_MAIN();

// Fuzzes the stream decoder and the codec behind it. The first byte picks a chunk size so
// that split tokens are exercised; every decoded stanza must survive proto -> XML -> decode.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "xmpp/stanza/codec.hpp"
#include "xmpp/stream/decoder.hpp"

namespace {

using namespace xmpp;

const std::string kHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "version='1.0'>";

struct Reparse : stream::DecoderCallbacks {
  v1::Stanza got;
  bool have = false;
  void onStreamOpen(stream::StreamHeader) override {}
  void onStanza(xml::Document&& d) override {
    got = stanza::toProto(d.document_element());
    have = true;
  }
  void onStreamClose() override {}
  void onError(const stream::StreamError&) override {}
};

struct Check : stream::DecoderCallbacks {
  void onStreamOpen(stream::StreamHeader) override {}
  void onStanza(xml::Document&& d) override {
    v1::Stanza s = stanza::toProto(d.document_element());
    std::string text = stanza::toXml(s);
    Reparse r;
    stream::XmppStreamDecoder again(r, {.maxStanzaBytes = 1 << 24,
                                        .maxDepth = 1 << 20,
                                        .maxAttributes = 1 << 20,
                                        .maxBufferedBytes = 1 << 24});
    again.feed(kHeader + text);
    // Our own output must always decode to the same stanza.
    if (!r.have || r.got.SerializeAsString() != s.SerializeAsString()) abort();
  }
  void onStreamClose() override {}
  void onError(const stream::StreamError&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Check cb;
  stream::XmppStreamDecoder d(cb, {.maxStanzaBytes = 16 * 1024,
                                   .maxDepth = 32,
                                   .maxAttributes = 32,
                                   .maxBufferedBytes = 20 * 1024});
  // Half the inputs get a valid header so the fuzzer reaches stanzas quickly.
  if (data[0] & 0x80) d.feed(kHeader);
  while (!input.empty()) {
    size_t n = d.feed(input.substr(0, chunk));
    if (n == 0) d.reset();  // paused: only a callback can pause, so this never loops
    input.remove_prefix(std::min(chunk, input.size()));
  }
  d.finish();
  return 0;
}

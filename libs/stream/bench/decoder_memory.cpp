// Heap held by one idle decoder after the stream header and a few stanzas: the parser's
// share of an idle session's memory. Not a test; figures go to docs/performance.md.
//
//   build/default/libs/stream/decoder_memory [connections]

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "xmpp/stream/decoder.hpp"

namespace {

struct Null : xmpp::stream::DecoderCallbacks {
  void onStreamOpen(xmpp::stream::StreamHeader) override {}
  void onStanza(xmpp::xml::Document&&) override {}
  void onStreamClose() override {}
  void onError(const xmpp::stream::StreamError&) override {}
};

size_t heapInUse() { return mallinfo2().uordblks; }

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  const std::string header =
      "<stream:stream to='example.com' xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' xml:lang='en'>";
  const std::string traffic =
      "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r"
      "</resource></bind></iq><presence><priority>5</priority></presence>"
      "<message to='a@b' type='chat'><body>hello</body></message>";
  Null cb;
  std::vector<std::unique_ptr<xmpp::stream::XmppStreamDecoder>> decoders;
  decoders.reserve(n);
  const size_t before = heapInUse();
  for (int i = 0; i < n; ++i) {
    decoders.push_back(std::make_unique<xmpp::stream::XmppStreamDecoder>(cb));
    decoders.back()->feed(header);
    decoders.back()->feed(traffic);
  }
  const size_t after = heapInUse();
  std::printf("idle decoders: %d, heap per decoder: %.1f KiB\n", n,
              static_cast<double>(after - before) / n / 1024.0);
  return 0;
}

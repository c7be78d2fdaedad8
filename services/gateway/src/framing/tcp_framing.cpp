// RFC 6120 §4 framing: the client's stream is one XML document over the connection.
#include "framing/framing.hpp"
#include "xmpp/xml/escape.hpp"

namespace xmpp::gateway {
namespace {

class TcpDecoder final : public FrameDecoder {
 public:
  TcpDecoder(stream::DecoderCallbacks& callbacks, stream::DecoderLimits limits)
      : decoder_(callbacks, std::move(limits)) {}
  size_t feed(std::string_view data) override { return decoder_.feed(data); }
  void pause() override { decoder_.pause(); }
  void resume() override { decoder_.resume(); }
  void reset() override { decoder_.reset(); }

 private:
  stream::XmppStreamDecoder decoder_;
};

class TcpFraming final : public Framing {
 public:
  void appendOpen(std::string& out, std::string_view streamId, std::string_view domain,
                  bool withVersion) const override {
    out +=
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' id='";
    xml::appendEscapedAttribute(out, streamId);
    out += "' from='";
    xml::appendEscapedAttribute(out, domain);
    out += withVersion ? "' version='1.0' xml:lang='en'>" : "' xml:lang='en'>";
  }
  void appendClose(std::string& out) const override { out += "</stream:stream>"; }
  bool elementsStandAlone() const override { return false; }
  std::unique_ptr<FrameDecoder> decoder(stream::DecoderCallbacks& callbacks,
                                        stream::DecoderLimits limits) const override {
    return std::make_unique<TcpDecoder>(callbacks, std::move(limits));
  }
};

}  // namespace

const Framing& tcpFraming() {
  static const TcpFraming framing;
  return framing;
}

}  // namespace xmpp::gateway

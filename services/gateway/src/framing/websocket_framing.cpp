// RFC 7395 framing. Input: the messages' bytes go to the same restricted-XML decoder as TCP
// input, behind a stream header of our own that the client never sends; <open/> and
// <close/> become the stream's open and close events, every other element a stanza (or a
// nonza). A restart (after SASL) is a new <open/>, nothing else.
#include "framing/framing.hpp"
#include "xmpp/xml/escape.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

using C = stream::StreamErrorCondition;

constexpr std::string_view kFramingNs = "urn:ietf:params:xml:ns:xmpp-framing";
constexpr std::string_view kImpliedHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

class WebSocketDecoder final : public FrameDecoder, private stream::DecoderCallbacks {
 public:
  WebSocketDecoder(stream::DecoderCallbacks& callbacks, stream::DecoderLimits limits)
      : callbacks_(callbacks), decoder_(*this, std::move(limits)) {
    begin();
  }
  size_t feed(std::string_view data) override {
    if (failed_) return data.size();
    feeding_ = true;
    const size_t consumed = decoder_.feed(data);
    feeding_ = false;
    if (resetPending_) {
      resetPending_ = false;
      decoder_.reset();
      begin();
    }
    return consumed;
  }
  void pause() override { decoder_.pause(); }
  void resume() override { decoder_.resume(); }
  void reset() override {
    if (feeding_) {
      // From a callback: stop after this element, restart on the way out of feed().
      resetPending_ = true;
      decoder_.pause();
      return;
    }
    decoder_.reset();
    begin();
  }

 private:
  void begin() {
    opened_ = false;
    decoder_.feed(kImpliedHeader);
  }

  void onStreamOpen(stream::StreamHeader) override {}  // ours, implied

  void onStanza(xml::Document&& document) override {
    const xml::Element root = document.document_element();
    const bool framing = xml::namespaceOf(root) == kFramingNs;
    const std::string_view name = root.name();
    if (framing && name == "open") {
      opened_ = true;
      stream::StreamHeader header;
      header.to = root.attribute("to").value();
      header.from = root.attribute("from").value();
      header.id = root.attribute("id").value();
      header.version = root.attribute("version").value();
      header.lang = root.attribute("xml:lang").value();
      header.contentNamespace = ns::kClient;
      callbacks_.onStreamOpen(std::move(header));
    } else if (!opened_) {
      fail({C::kBadFormat, "expected <open/>"});
    } else if (framing && name == "close") {
      callbacks_.onStreamClose();
    } else {
      callbacks_.onStanza(std::move(document));
    }
  }

  // The client never closes the implied <stream:stream>: doing so is malformed.
  void onStreamClose() override { fail({C::kNotWellFormed, "unexpected end of stream"}); }
  void onError(const stream::StreamError& error) override { fail(error); }

  void fail(const stream::StreamError& error) {
    if (failed_) return;
    failed_ = true;
    decoder_.pause();
    callbacks_.onError(error);
  }

  stream::DecoderCallbacks& callbacks_;
  stream::XmppStreamDecoder decoder_;
  bool opened_ = false;
  bool feeding_ = false;
  bool resetPending_ = false;
  bool failed_ = false;
};

class WebSocketFraming final : public Framing {
 public:
  void appendOpen(std::string& out, std::string_view streamId, std::string_view domain,
                  bool /*withVersion: RFC 7395 §3.3.1 requires 1.0*/) const override {
    out += "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" id=\"";
    xml::appendEscapedAttribute(out, streamId);
    out += "\" from=\"";
    xml::appendEscapedAttribute(out, domain);
    out += "\" version=\"1.0\" xml:lang=\"en\"/>";
  }
  void appendClose(std::string& out) const override {
    out += "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>";
  }
  bool elementsStandAlone() const override { return true; }
  std::unique_ptr<FrameDecoder> decoder(stream::DecoderCallbacks& callbacks,
                                        stream::DecoderLimits limits) const override {
    return std::make_unique<WebSocketDecoder>(callbacks, std::move(limits));
  }
};

}  // namespace

const Framing& websocketFraming() {
  static const WebSocketFraming framing;
  return framing;
}

}  // namespace xmpp::gateway

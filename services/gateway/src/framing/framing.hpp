#pragma once
// How a client stream is framed on its transport, apart from the session that speaks it:
// RFC 6120 over TCP (one XML document, <stream:stream> ... </stream:stream>, restarted in
// place) or RFC 7395 over WebSocket (every message one whole element; <open/> and <close/>
// in urn:ietf:params:xml:ns:xmpp-framing stand for the header and the end). The session
// writes its header, features, stream errors and end through a Framing and reads through
// the FrameDecoder it makes; the transport picks the framing.

#include <memory>
#include <string>
#include <string_view>

#include "xmpp/stream/decoder.hpp"
#include "xmpp/stream/stream_error.hpp"

namespace xmpp::gateway {

/// Bytes in, stream events out (see stream::XmppStreamDecoder for the contract of each call).
class FrameDecoder {
 public:
  virtual ~FrameDecoder() = default;
  virtual size_t feed(std::string_view data) = 0;
  virtual void pause() = 0;
  virtual void resume() = 0;
  /// Stream restart (RFC 6120 §4.3.3): expect a new header (or <open/>).
  virtual void reset() = 0;
};

class Framing {
 public:
  virtual ~Framing() = default;
  /// Our answer to the client's header. `withVersion`: the client sent a version.
  virtual void appendOpen(std::string& out, std::string_view streamId, std::string_view domain,
                          bool withVersion) const = 0;
  /// The end of our stream.
  virtual void appendClose(std::string& out) const = 0;
  /// Whether top-level elements in the streams namespace (features, errors) declare their
  /// `stream` prefix themselves: yes where each element stands alone.
  virtual bool elementsStandAlone() const = 0;
  virtual std::unique_ptr<FrameDecoder> decoder(stream::DecoderCallbacks& callbacks,
                                                stream::DecoderLimits limits) const = 0;

  /// A stream error and the end of the stream.
  void appendError(std::string& out, const stream::StreamError& error,
                   bool includeText = false) const {
    out += stream::serializeStreamError(error, includeText, elementsStandAlone());
    appendClose(out);
  }
};

/// RFC 6120 §4: TCP (with or without TLS).
const Framing& tcpFraming();
/// RFC 7395: WebSocket messages (a transport hands each message's bytes to the session).
const Framing& websocketFraming();

}  // namespace xmpp::gateway

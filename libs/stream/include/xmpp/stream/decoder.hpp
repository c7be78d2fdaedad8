#pragma once
// The gateway's front door: an incremental XMPP stream decoder on expat.
//
// Bytes go in, in chunks of any size (one byte at a time works); out come a stream-open
// event with the header's attributes, one normalized element tree (see xmpp/xml/tree.hpp)
// per complete top-level element, a stream-close event, or exactly one error that maps to
// an RFC 6120 §4.9.3 stream error. Restricted XML (RFC 6120 §11.1) is enforced here,
// before any tree is built: DOCTYPE/DTD, entity declarations and references, processing
// instructions and comments are refused, and limits bound stanza size, depth, attribute
// count and the bytes held while waiting for a stanza to complete.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xmpp/stream/stream_error.hpp"
#include "xmpp/xml/tree.hpp"

namespace xmpp::stream {

struct DecoderLimits {
  /// Bytes of one top-level element, start tag to end tag.
  size_t maxStanzaBytes = 256 * 1024;
  /// Element nesting inside a stanza (the stanza element itself is depth 1).
  size_t maxDepth = 48;
  /// Attributes on one element, namespace declarations included.
  size_t maxAttributes = 64;
  /// Input held without completing anything (a stanza, the stream header, whitespace):
  /// bounds what expat buffers for an unfinished tag or a stanza that never ends.
  size_t maxBufferedBytes = 256 * 1024 + 16 * 1024;
  /// The XML declaration and stream header together: real ones are ~200 bytes.
  size_t maxHeaderBytes = 8 * 1024;
  /// Default namespace the stream must declare ("jabber:client" for c2s); empty: any.
  std::string contentNamespace = "jabber:client";
};

struct StreamHeader {
  std::string to;
  std::string from;
  std::string id;
  std::string version;  // empty when the client sent none (pre-RFC 3920 client)
  std::string lang;     // xml:lang
  std::string contentNamespace;
};

/// Receives the decoder's events. Callbacks may call XmppStreamDecoder::pause().
class DecoderCallbacks {
 public:
  virtual ~DecoderCallbacks() = default;
  virtual void onStreamOpen(StreamHeader header) = 0;
  /// `stanza.document_element()` is the top-level element; the tree may be moved out.
  virtual void onStanza(xml::Document&& stanza) = 0;
  virtual void onStreamClose() = 0;
  /// Called once; the decoder then ignores input until reset().
  virtual void onError(const StreamError& error) = 0;
};

class XmppStreamDecoder {
 public:
  XmppStreamDecoder(DecoderCallbacks& callbacks, DecoderLimits limits = {});
  ~XmppStreamDecoder();
  XmppStreamDecoder(const XmppStreamDecoder&) = delete;
  XmppStreamDecoder& operator=(const XmppStreamDecoder&) = delete;

  /// Feeds the next bytes. Returns how many were consumed: all of them, unless a callback
  /// called pause(), in which case the bytes after the event that paused are left for the
  /// caller (TLS records after <starttls/>, a new stream header after SASL success, or the
  /// same stream's next stanzas while an answer is awaited), to be fed after resume() or
  /// reset(). Whitespace before a stream header (before its XML declaration) is skipped.
  size_t feed(std::string_view data);

  /// End of input (the peer closed the connection). Reports an error if the stream was
  /// open and not closed; a partial stanza is never delivered.
  void finish();

  /// Called from a callback: stop after the current event (see feed()). The decoder must
  /// be resume()d or reset() before it is fed again.
  void pause();

  /// After a pause: the same stream goes on (the decoder keeps what its header declared).
  void resume();

  /// Stream restart (RFC 6120 §4.3.3): forget everything, expect a new stream header.
  void reset();

  bool failed() const;
  bool streamOpen() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp::stream

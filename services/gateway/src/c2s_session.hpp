#pragma once
// One client-to-server XMPP stream (RFC 6120/6121) as the gateway sees it: stream headers
// and features, STARTTLS, SASL (and XEP-0078 legacy auth, XEP-0077 registration) through
// the auth service, resource binding, then every client stanza stamped with the session's
// full JID and handed to the router; deliveries from the router written back.
//
// Plain, single-threaded C++: every entry point and every AuthClient callback must run on
// the connection's strand. No I/O of its own: it talks to the world only through the
// Transport, AuthClient and RouterLink ports (ports.hpp).
//
// Contract with the implementations of the ports:
//  - AuthClient callbacks may run synchronously inside the call or later; the session may be
//    destroyed with a call in flight (the callback then does nothing). While a call is in
//    flight the session reads nothing: onBytes() holds up to maxPendingInputBytes.
//  - Transport::write()/close() may re-enter onSendQueueOverflow()/onTransportClosed()
//    synchronously; they must not destroy the session synchronously.
//  - After the stream closed (any cause) every entry point is a no-op and nothing more is
//    written; sessionEnded goes to the router exactly once, only if the session was bound.
//    bound()/bareJid()/fullJid() keep their values (for RouterLink::undeliverable).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ports.hpp"
#include "replies.hpp"
#include "xmpp/jid/jid.hpp"
#include "xmpp/stream/decoder.hpp"

namespace xmpp::gateway {

class C2sSession final : private stream::DecoderCallbacks {
 public:
  /// Failed SASL / legacy-auth attempts allowed on one stream before it is closed with
  /// <policy-violation/>.
  static constexpr int kMaxAuthFailures = 5;

  /// `config` must outlive the session. `sessionId` is unique in the cluster ("gw1/42");
  /// `streamId` is random (stream header id, XEP-0078 digest input).
  C2sSession(Transport& transport, AuthClient& auth, RouterLink& router,
             const SessionConfig& config, std::string sessionId, std::string streamId);
  ~C2sSession() override;
  C2sSession(const C2sSession&) = delete;
  C2sSession& operator=(const C2sSession&) = delete;

  // --- Called by the transport ----------------------------------------------------------

  /// Client bytes, any chunking. Ignored once the session is closed, and while a STARTTLS
  /// handshake is pending (those bytes belong to the TLS layer).
  void onBytes(std::string_view data);
  /// The TLS handshake requested by Transport::startTls() succeeded: expect a new header.
  void onTlsEstablished();
  /// The socket is gone: reports sessionEnded (once) if bound; never writes again.
  void onTransportClosed();
  /// The transport dropped a slow reader: the session ends without writing anything.
  void onSendQueueOverflow();
  /// No traffic for too long: <connection-timeout/>.
  void onIdleTimeout();
  /// SIGTERM drain: <system-shutdown/>.
  void shutdown();

  // --- Called by the router link ---------------------------------------------------------

  /// Writes a routed stanza to the client.
  void deliver(const v1::Stanza& stanza);
  /// Writes an offline message and acknowledges it (RouterLink::offlineAck) once written.
  void deliverOffline(const v1::Delivery& delivery);
  /// Closes the stream with an RFC 6120 stream error, e.g. "conflict" (resource replaced).
  void closeWithError(std::string_view condition, std::string_view text);

  // --- State -----------------------------------------------------------------------------

  bool bound() const { return bound_; }
  bool authenticated() const { return authenticated_; }
  bool closed() const { return closed_; }
  const std::string& fullJid() const { return fullJid_; }  // empty until bound
  const std::string& bareJid() const { return bareJid_; }  // empty until authenticated
  const std::string& sessionId() const { return sessionId_; }
  const std::string& streamId() const { return streamId_; }

 private:
  // DecoderCallbacks
  void onStreamOpen(stream::StreamHeader header) override;
  void onStanza(xml::Document&& stanza) override;
  void onStreamClose() override;
  void onError(const stream::StreamError& error) override;

  // Input plumbing: the decoder is paused at every stream header (so its bytes can be
  // replayed), at STARTTLS, and while an auth call is in flight.
  void pump(std::string_view data);
  void resumeDecoder();
  void hold(std::string_view data);
  void suspendForAuth();
  void authAnswered();
  template <class T, class F>
  AuthClient::Callback<T> guarded(F&& f);

  // Negotiation
  Features currentFeatures() const;
  bool mechanismOffered(std::string_view mechanism) const;
  bool isServerAddress(std::string_view to) const;
  void onStarttls(std::string_view name);
  void onSasl(xml::Element element, std::string_view name);
  void saslAuth(xml::Element element);
  void saslResponse(xml::Element element);
  void onSaslStep(const grpc::Status& status, const v1::SaslStep& step);
  void saslFail(std::string_view condition, bool counts = true);
  void onSm(std::string_view name);
  void negotiationIq(xml::Element element);
  void legacyAuth(const v1::Stanza& iq, const v1::Element& query);
  void registration(const v1::Stanza& iq, const v1::Element& query);
  void bindResource(const v1::Stanza& iq, const v1::Element& bind);
  void bindSession(const jid::Jid& jid);
  bool countFailure(std::string& out);
  void fillClientSession(v1::ClientSession& session) const;

  // Bound stream
  void routeStanza(xml::Element element, std::string_view name);
  bool updatePresence(const v1::Stanza& presence);
  v1::SessionInfo sessionInfo() const;

  // Output and teardown
  void send(std::string bytes);
  void sendStanzaError(const v1::Stanza& request, const StanzaError& error);
  void streamError(const stream::StreamError& error, bool includeText = false);
  void closeAfter(std::string bytes);
  void endSession();
  void reportStreamError(const stream::StreamError& error, bool fromClient = false);
  void reportAuthFailure(std::string_view mechanism, std::string_view condition);

  Transport& transport_;
  AuthClient& auth_;
  RouterLink& router_;
  const SessionConfig& config_;
  std::string sessionId_;
  std::string streamId_;
  stream::XmppStreamDecoder decoder_;
  std::shared_ptr<bool> alive_;  // auth callbacks hold a weak_ptr: the session may go first

  // Input
  std::string headerBytes_;  // raw bytes of the current stream header, replayed on resume
  std::string held_;         // client bytes that arrived while an auth call was in flight
  bool awaitingHeader_ = true;
  bool replaying_ = false;
  bool decoderPaused_ = false;
  bool restartPending_ = false;  // the next resume is a stream restart (TLS, SASL success)
  bool discardRest_ = false;     // drop what follows <starttls/> in the current chunk
  bool pumping_ = false;
  bool authPending_ = false;
  bool tlsPending_ = false;

  // Stream
  bool headerSent_ = false;
  bool clientVersioned_ = false;  // the client's header carried version 1.x
  bool closed_ = false;
  bool ended_ = false;  // sessionEnded reported

  // Authentication
  bool authenticated_ = false;
  bool saslInProgress_ = false;
  bool registered_ = false;
  int authFailures_ = 0;
  std::string saslContinuation_;
  std::string saslMechanism_;
  jid::Jid account_;  // user@domain once authenticated

  // Bound session
  bool bound_ = false;
  bool available_ = false;
  bool interested_ = false;
  int32_t priority_ = 0;
  std::string fullJid_;
  std::string bareJid_;
  std::unique_ptr<v1::Stanza> lastPresence_;  // last available broadcast presence
};

}  // namespace xmpp::gateway

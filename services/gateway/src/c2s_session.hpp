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
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <functional>

#include "delivery_proof.hpp"
#include "framing/framing.hpp"
#include "ports.hpp"
#include "replies.hpp"
#include "stream_management.hpp"
#include "xmpp/jid/jid.hpp"

namespace xmpp::gateway {

/// SASL state of one stream (features/sasl_feature.cpp).
struct SaslState {
  bool inProgress = false;   // a challenge was sent: a <response/> may follow
  std::string continuation;  // the auth service's sealed state for the next step
  std::string mechanism;     // for reports: an offered mechanism or "unknown"
};

class C2sSession final : private stream::DecoderCallbacks {
 public:
  /// Where the stream is. bound() and authenticated() are facts that outlive kClosed.
  enum class State {
    kNegotiating,    // before authentication (STARTTLS, SASL, legacy auth, registration)
    kTlsHandshake,   // <proceed/> sent: the bytes are the TLS layer's
    kAuthenticated,  // SASL done: restart, then bind
    kBinding,        // bind asked of the router: nothing is read until it answers
    kBound,          // a resource is bound: stanzas go to the router
    kClosed,
  };

  /// Failed SASL / legacy-auth attempts allowed on one stream before it is closed with
  /// <policy-violation/>.
  static constexpr int kMaxAuthFailures = 5;

  /// `config` must outlive the session. `sessionId` is unique in the cluster ("gw1/42");
  /// `streamId` is random (stream header id, XEP-0078 digest input); `framing` is the
  /// transport's (RFC 6120 over TCP, RFC 7395 over WebSocket).
  C2sSession(Transport& transport, AuthClient& auth, RouterLink& router,
             const SessionConfig& config, std::string sessionId, std::string streamId,
             const Framing& framing = tcpFraming());
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
  /// The bytes of `sent` left the send queue for the socket.
  void onWritten(const Outbound& sent);
  /// These will never be written (the connection is gone): routed messages go back to the
  /// router (offline path), offline messages stay stored.
  void onUnwritten(std::vector<Outbound> unwritten);
  /// No traffic for too long: <connection-timeout/>.
  void onIdleTimeout();
  /// The peer has been silent for a while: a XEP-0199 ping once bound (if configured; its
  /// answer proves the peer reads), else a whitespace keepalive.
  void onSilence();
  /// SIGTERM drain: <system-shutdown/>.
  void shutdown();

  // --- Called by the router link ---------------------------------------------------------

  /// Writes a routed stanza to the client (or holds it while the client is inactive).
  void deliver(const v1::Stanza& stanza);
  /// The hold of an inactive client has lasted long enough (Transport::flushAfter).
  void onFlushTimer();
  /// Writes an offline message; acknowledges it (RouterLink::offlineAck) once the client
  /// answered a ping sent after it.
  void deliverOffline(const v1::Delivery& delivery);
  /// The router's answer to the bind: empty `condition` is bound, else the bind failed.
  void onBindResult(std::string_view condition);
  /// Closes the stream with an RFC 6120 stream error, e.g. "conflict" (resource replaced).
  /// `resumed`: the session was resumed on another stream (XEP-0198), which now owns what
  /// this one did not get acknowledged: nothing goes back to the router.
  void closeWithError(std::string_view condition, std::string_view text, bool resumed = false);

  // --- State -----------------------------------------------------------------------------

  bool bound() const { return bound_; }
  bool authenticated() const { return authenticated_; }
  bool closed() const { return state_ == State::kClosed; }
  const std::string& fullJid() const { return fullJid_; }  // empty until bound
  const std::string& bareJid() const { return bareJid_; }  // empty until authenticated
  const std::string& sessionId() const { return sessionId_; }
  const std::string& streamId() const { return streamId_; }

  // --- For stream features (features/*.cpp) ---------------------------------------------

  Transport& transport() { return transport_; }
  const Transport& transport() const { return transport_; }
  AuthClient& auth() { return auth_; }
  const SessionConfig& config() const { return config_; }
  const Framing& framing() const { return framing_; }
  State state() const { return state_; }
  const jid::Jid& account() const { return account_; }
  /// The SASL exchange in progress (features/sasl_feature.cpp).
  SaslState& sasl() { return sasl_; }
  bool registered() const { return registered_; }
  void setRegistered() { registered_ = true; }
  /// XEP-0352: start or stop holding non-urgent stanzas (features/csi_feature.cpp).
  void setInactive(bool inactive);
  bool inactive() const { return inactive_; }
  /// XEP-0198 (features/sm_feature.cpp).
  StreamManagement& sm() { return sm_; }
  const StreamManagement& sm() const { return sm_; }
  /// The client's <a h/>: acknowledged offline messages are deleted from storage.
  void acknowledged(uint32_t h);
  /// XEP-0198 resumption (c2s_resumption.cpp). Null store: <enable resume/> is not resumable.
  void setResumeStore(ResumeStore* store) { resumeStore_ = store; }
  /// <enable/> after binding; `resume` asked with `max` seconds (0: the configured one).
  void enableStreamManagement(bool resume, uint32_t max);
  /// <resume previd h/> before binding: the session is taken over from wherever it is.
  void resumeStream(std::string previd, uint32_t h);
  /// Our h is kept with the resumable state (answering the client's <r/>).
  void persistHandled();
  bool resumable() const { return resumable_; }

  bool isServerAddress(std::string_view to) const;
  /// Whether SASL `mechanism` is offered on this stream now (TLS rules included).
  bool mechanismOffered(std::string_view mechanism) const;
  void send(std::string bytes);
  void sendStanzaError(const v1::Stanza& request, const StanzaError& error);
  void refused(const v1::Stanza& stanza);
  void streamError(const stream::StreamError& error, bool includeText = false);
  void closeAfter(std::string bytes);
  /// Writes `out`, then the end of our stream, and closes.
  void closeStream(std::string out = {});
  /// <proceed/> was sent: the rest of this chunk and the handshake are the transport's.
  void beginTls();
  /// Authenticated as `account` (bare). `restart`: SASL, the client opens a new stream.
  void authenticated(const jid::Jid& account, bool restart);
  /// Asks the router to bind the full JID; `onSuccess` is written once it did, else an
  /// error answers iq `iqId` (RFC 6120 §7.6.2.1: 'wait', e.g. resource-constraint).
  void requestBind(const jid::Jid& jid, std::string onSuccess, std::string iqId, std::string iqTo);
  /// Counts a failed attempt; past the limit, appends the stream error to `out`, sends it
  /// and closes (returns true).
  bool countFailure(std::string& out);
  void reportDropped(std::string_view reason, size_t count);
  void reportAuthFailure(std::string_view mechanism, std::string_view condition);
  void reportResumption(std::string_view outcome);
  void fillClientSession(v1::ClientSession& session) const;
  /// Stops reading until the callback made by guarded() has run.
  void suspendForAuth();
  /// An AuthClient callback that does nothing if the session is gone or closed, and resumes
  /// reading after `f`.
  template <class T, class F>
  AuthClient::Callback<T> guarded(F&& f) {
    return [alive = std::weak_ptr<bool>(alive_), this, f = std::forward<F>(f)](
               const grpc::Status& status, const T& response) mutable {
      if (alive.expired()) return;  // the session is gone
      if (state_ == State::kClosed) {
        authPending_ = false;
        return;
      }
      f(status, response);
      authAnswered();
    };
  }

 private:
  // DecoderCallbacks
  void onStreamOpen(stream::StreamHeader header) override;
  void onStanza(xml::Document&& stanza) override;
  void onStreamClose() override;
  void onError(const stream::StreamError& error) override;

  // Input plumbing: the decoder is paused at STARTTLS and while an auth call is in flight;
  // it resumes the same stream, or restarts (after TLS and SASL).
  void pump(std::string_view data);
  void resumeDecoder();
  void hold(std::string_view data);
  void authAnswered();

  void negotiationIq(xml::Element element);

  // Bound stream
  void routeStanza(xml::Element element, std::string_view name);
  bool updatePresence(const v1::Stanza& presence);
  v1::SessionInfo sessionInfo() const;

  void write(const v1::Stanza& stanza);
  /// Every stanza to the client once bound goes through here (XEP-0198 counts it).
  void sendStanza(std::string bytes, Outbound what);
  void ackOffline(const std::vector<Outbound>& read);
  void flushHeld();
  bool waiting() const { return authPending_ || state_ == State::kBinding; }

  // XEP-0198 resumption (c2s_resumption.cpp): stanzas go to the resumable state first and
  // are written in order once stored (a gateway killed at any point loses nothing sent).
  void persist(const Outbound& what, std::string bytes);
  void stored(ResumeStore::Outcome outcome);
  void writeOrdered(std::string bytes);
  void flushStored();
  ResumeStore::Done whenStored();
  void resumeTaken(const std::string& previd, uint32_t h, ResumeStore::Resumed taken);
  void finishResume();
  void resumeFailed(std::string_view condition);
  void detach();
  void lostToResume();
  void stopResumable();
  void announceUpdate();
  void bindFailed(std::string_view condition);
  void returnHeld(std::string_view reason);
  void sendPing(std::string_view id);
  // Whether `iq` answers our delivery-proof ping (then the messages it proves are acked).
  bool proofAnswered(const v1::Stanza& iq);

  // Teardown
  void endSession();
  void reportStreamError(const stream::StreamError& error, bool fromClient = false);

  Transport& transport_;
  AuthClient& auth_;
  RouterLink& router_;
  const SessionConfig& config_;
  std::string sessionId_;
  std::string streamId_;
  const Framing& framing_;
  std::unique_ptr<FrameDecoder> decoder_;
  std::shared_ptr<bool> alive_;  // auth callbacks hold a weak_ptr: the session may go first
  State state_ = State::kNegotiating;

  // Input
  std::string held_;  // client bytes that arrived while an auth call was in flight
  bool decoderPaused_ = false;
  bool restartPending_ = false;  // the next resume is a stream restart (TLS, SASL success)
  bool discardRest_ = false;     // drop what follows <starttls/> in the current chunk
  bool pumping_ = false;
  bool authPending_ = false;

  // Stream
  bool headerSent_ = false;
  bool clientVersioned_ = false;  // the client's header carried version 1.x
  bool ended_ = false;            // sessionEnded reported

  // Authentication
  SaslState sasl_;
  bool authenticated_ = false;
  bool registered_ = false;
  int authFailures_ = 0;
  jid::Jid account_;  // user@domain once authenticated

  // Binding: what to answer when the router does.
  struct PendingBind {
    std::string onSuccess;
    std::string iqId;
    std::string iqTo;
  };
  PendingBind bind_;
  bool bindRequested_ = false;  // the router heard of this session: it must hear of its end

  // Bound session
  bool bound_ = false;
  bool available_ = false;
  bool interested_ = false;
  int32_t priority_ = 0;
  std::string fullJid_;
  std::string bareJid_;
  std::unique_ptr<v1::Stanza> lastPresence_;  // last available broadcast presence
  std::string pingId_;                        // our unanswered XEP-0199 ping, if any
  DeliveryProof proof_;                       // offline messages written, not yet proven read
  // XEP-0352: stanzas held back while the client is inactive, in order.
  bool inactive_ = false;
  std::vector<v1::Stanza> heldStanzas_;
  size_t heldBytes_ = 0;
  uint32_t pings_ = 0;
  StreamManagement sm_;
  // XEP-0198 resumption
  ResumeStore* resumeStore_ = nullptr;
  std::string smId_;        // the resumption id (previd), once resumable
  bool resumable_ = false;  // what is sent is stored first (Redis)
  bool resuming_ = false;   // a resumed session's bind is in flight
  struct Persisting {
    std::string bytes;
    bool ready = false;  // stored (or not a stanza): may be written once those before are
  };
  std::deque<Persisting> persisting_;
  std::vector<std::string> resend_;  // a resumed session's unacknowledged stanzas, to write
};

}  // namespace xmpp::gateway

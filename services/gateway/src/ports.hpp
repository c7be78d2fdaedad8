#pragma once
// The seams of a client session (C2sSession) in the gateway. The session is plain C++,
// single-threaded (everything runs on its connection's strand) and unit-tested with fakes;
// the Asio connection, the gRPC auth client and the router link implement these.

#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xmpp/v1/auth.pb.h"
#include "xmpp/v1/router.pb.h"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::gateway {

/// The client connection, as the session sees it.
/// What the bytes of one write are, kept with them in the send queue until they are written
/// (C2sSession::onWritten) or never will be (C2sSession::onUnwritten): the session decides
/// what that means (acknowledge an offline message, hand a routed one back, count for
/// XEP-0198), not the transport.
struct Outbound {
  enum class Kind {
    kRouted,   // a stanza routed to this session: handed back if never written
    kOffline,  // a stored offline message: acknowledged (deleted) once written
    kOther,    // any other stanza (XEP-0198 counts it; nothing to hand back)
  };
  Kind kind = Kind::kRouted;
  v1::Stanza stanza;
  int64_t offlineId = 0;
  std::string offlineUser;  // the bare JID whose store holds it

  static Outbound routed(v1::Stanza stanza) {
    Outbound o;
    o.stanza = std::move(stanza);
    return o;
  }
  static Outbound other() {
    Outbound o;
    o.kind = Kind::kOther;
    return o;
  }
  static Outbound offline(int64_t id, std::string user) {
    Outbound o;
    o.kind = Kind::kOffline;
    o.offlineId = id;
    o.offlineUser = std::move(user);
    return o;
  }
};

class Transport {
 public:
  virtual ~Transport() = default;
  /// Queues bytes for the client. The transport bounds its queue: past the bound it closes
  /// the connection itself (after calling C2sSession::onSendQueueOverflow()).
  virtual void write(std::string bytes) = 0;
  /// The same for the bytes of one stanza, which the transport keeps with them.
  virtual void write(std::string bytes, Outbound stanza) = 0;
  /// Calls C2sSession::onFlushTimer() once, `delay` from now (on the session's strand);
  /// a later call replaces an earlier one.
  virtual void flushAfter(std::chrono::milliseconds delay) = 0;
  /// True once TLS is established (STARTTLS done, or direct TLS on 5223).
  virtual bool secure() const = 0;
  /// Called right after <proceed/> was queued: the transport flushes it, performs the TLS
  /// handshake, then calls C2sSession::onTlsEstablished() (or onTransportClosed() on failure).
  virtual void startTls() = 0;
  /// Flushes what is queued, then closes. The transport then calls onTransportClosed().
  virtual void close() = 0;
  /// Client IP address without port, for brute-force limits.
  virtual std::string remoteAddress() const = 0;
};

/// The auth service. Calls return at once; the callback runs later, on the session's strand.
class AuthClient {
 public:
  template <class T>
  using Callback = std::function<void(const grpc::Status&, const T&)>;
  virtual ~AuthClient() = default;
  virtual void saslStart(const v1::SaslStartRequest&, Callback<v1::SaslStep>) = 0;
  virtual void saslContinue(const v1::SaslContinueRequest&, Callback<v1::SaslStep>) = 0;
  virtual void legacyAuthFields(const v1::LegacyAuthFieldsRequest&,
                                Callback<v1::LegacyAuthFieldsResponse>) = 0;
  virtual void legacyAuth(const v1::LegacyAuthRequest&, Callback<v1::LegacyAuthResponse>) = 0;
  virtual void registerAccount(const v1::RegisterRequest&, Callback<v1::AuthEmpty>) = 0;
};

/// The router. Calls queue events on the session's router stream and return at once.
/// Ordering: all events of one session go, in call order, to the same router.
class RouterLink {
 public:
  virtual ~RouterLink() = default;
  virtual void sessionBound(const v1::SessionInfo&) = 0;
  virtual void sessionUpdated(const v1::SessionInfo&) = 0;
  virtual void sessionEnded(const v1::SessionEnded&) = 0;
  /// A client stanza for the router, moved from when taken; false (left as it was) when
  /// refused because the router backlog is full: the session answers it with a 'wait' error.
  virtual bool stanza(const std::string& sessionId, const std::string& bareJid,
                      v1::Stanza& stanza) = 0;
  virtual void undeliverable(const std::string& sessionId, const std::string& bareJid,
                             std::vector<v1::Stanza> stanzas) = 0;
  virtual void offlineAck(const std::string& bareJid, std::vector<int64_t> ids) = 0;
  /// The backlog to the routers is high: stop reading clients' input for a while.
  virtual bool congested() const { return false; }
};

/// What operators must see (logged at info with the peer address and counted in /metrics):
/// every stream error, failed login and refusal. Never passwords or bodies.
class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  struct Peer {
    std::string_view sessionId;
    std::string_view address;
  };
  /// A stream error the server sent (RFC 6120 §4.9.3 condition), or one the client sent.
  virtual void streamError(const Peer& peer, std::string_view condition, std::string_view text,
                           bool fromClient) = 0;
  /// A failed authentication: SASL mechanism or "legacy"; SASL or stanza condition.
  virtual void authFailed(const Peer& peer, std::string_view mechanism,
                          std::string_view condition) = 0;
  /// Stanzas given up on (e.g. "csi-held-presence": presence held for an inactive client
  /// when its stream ended; messages are handed back to the router instead).
  virtual void stanzasDropped(const Peer& peer, std::string_view reason, size_t count) = 0;
  /// XEP-0198 resumption: "enabled", "detached", "resumed", "taken-over", "failed-not-found",
  /// "failed", "store-failed".
  virtual void resumption(const Peer& peer, std::string_view outcome) {
    (void)peer;
    (void)outcome;
  }
};

/// XEP-0198: what a stream may hold unacknowledged, and when we ask for an ack.
struct StreamManagementLimits {
  size_t maxUnackedStanzas = 500;
  size_t maxUnackedBytes = 1 << 20;
  /// <r/> goes out once this many stanzas were sent since the last one (one in flight)...
  uint32_t ackEvery = 1;
  /// ...or once a stanza has waited this long unacknowledged without one (not while a
  /// XEP-0352 client is inactive: its hold has the timer).
  std::chrono::milliseconds ackAfter{5000};
  /// How long a detached session can be resumed (<enabled max/>); 0: no resumption.
  std::chrono::seconds resumeMax{300};
};

/// XEP-0198 resumable state where every gateway finds it (Redis: xmpp/storage_redis/
/// resumable_sessions.hpp). Calls return at once; callbacks run later on the session's strand,
/// in call order for one id. `sessionId` is the stream that holds the state: a call from a
/// stream that no longer holds it (resumed elsewhere) answers kLost.
class ResumeStore {
 public:
  enum class Outcome { kOk, kLost, kFailed };
  using Done = std::function<void(Outcome)>;
  struct Record {
    std::string account;  // bare JID
    std::string fullJid;
    std::string sessionId;
    std::string info;  // SessionInfo bytes (presence, priority, interest) for the resumer
    std::chrono::seconds max{300};
    size_t maxStanzas = 500;  // the unacknowledged bound (what may queue while detached)
    size_t maxBytes = 1 << 20;
  };
  struct Resumed {
    enum class Result { kTaken, kNotFound, kBusy, kTooHigh, kFailed };
    Result result = Result::kFailed;
    std::string previousSessionId;
    std::string fullJid;
    std::string info;
    uint32_t inbound = 0;              // our h
    std::vector<std::string> unacked;  // v1::ResumableStanza bytes after the client's h
  };
  virtual ~ResumeStore() = default;
  virtual void create(const std::string& id, Record record, Done done) = 0;
  /// One more stanza sent (`entry`: v1::ResumableStanza bytes); `inbound`: our h now.
  virtual void append(const std::string& id, const std::string& sessionId, std::string entry,
                      uint32_t inbound, Done done) = 0;
  /// The client acknowledged `count` more stanzas; its h is `h`.
  virtual void ack(const std::string& id, const std::string& sessionId, uint32_t count, uint32_t h,
                   uint32_t inbound, Done done) = 0;
  virtual void update(const std::string& id, const std::string& sessionId, std::string info,
                      uint32_t inbound, Done done) = 0;
  /// The connection is gone: resumable until its max from now.
  virtual void detach(const std::string& id, const std::string& sessionId, uint32_t inbound,
                      Done done) = 0;
  /// The stream ended normally: the state goes.
  virtual void release(const std::string& id, const std::string& sessionId) = 0;
  /// <resume previd h/> on stream `sessionId` by `account`.
  virtual void takeover(const std::string& id, const std::string& account,
                        const std::string& sessionId, uint32_t h,
                        std::function<void(Resumed)> done) = 0;
};

/// Gateway-wide settings a session needs.
struct SessionConfig {
  std::string domain = "localhost";  // the one served domain
  std::string gatewayId = "gw1";
  bool tlsRequired = true;    // c2s STARTTLS required before SASL/legacy auth
  bool tlsAvailable = true;   // a certificate is configured (STARTTLS offered)
  bool registration = false;  // advertise XEP-0077 in-band registration
  bool legacyAuth = true;     // XEP-0078 for clients without version='1.0'
  std::vector<std::string> mechanisms = {"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"};
  size_t maxPendingInputBytes = 64 * 1024;  // client bytes held while auth is in flight
  SessionEvents* events = nullptr;          // gateway-wide; null: nothing reported
  bool serverPings = true;                  // XEP-0199 pings to silent bound clients
  // XEP-0352: what an inactive client's stream holds back, at most.
  size_t csiMaxHeldStanzas = 100;
  size_t csiMaxHeldBytes = 64 * 1024;
  std::chrono::milliseconds csiMaxHold{60'000};
  // The last presence as stored in the session directory (answers probes); past this only
  // its standard parts are kept (issue 9, case 13).
  size_t maxStoredPresenceBytes = 8 * 1024;
  StreamManagementLimits sm;
};

}  // namespace xmpp::gateway

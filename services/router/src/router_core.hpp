#pragma once
// RouterCore: the router's routing logic (RFC 6120 §8 and §10, RFC 6121 §4 and §8) as plain
// C++ over the ports (ports.hpp). It decides where each client stanza goes, dispatches what
// the server handles itself to the modules (module.hpp, modules/), runs presence broadcasts,
// probes and subscriptions (the userdata service decides, the router carries out the effects),
// and turns every failure into one stanza error reply. It knows no XEP.
//
// Threading: every entry point may block on the ports and is called from the router's worker
// threads; calls about different bare JIDs may run concurrently (events of one bare JID come
// in order on one worker). The object's own mutable state is two bounded, mutex-protected
// tables (session_state.hpp) and atomic counters.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "module.hpp"
#include "ports.hpp"
#include "routing_rules.hpp"
#include "session_state.hpp"
#include "stanza_errors.hpp"
#include "xmpp/jid/jid.hpp"

namespace xmpp::router {

/// Bounds of the in-memory state and of cascades; the defaults suit production.
struct RouterLimits {
  std::size_t maxDirectedPerSession = 256;     // remembered directed-presence targets per session
  std::size_t maxDirectedSessions = 100'000;   // sessions with remembered directed presence
  std::size_t maxTrackedSessions = 1'000'000;  // sessions in the local session table
  int maxEffectDepth = 4;                      // subscription stanzas routed as a cascade
};

/// Counters since start (a snapshot); for metrics.
struct RouterStats {
  std::uint64_t deliveries = 0;     // Delivery commands handed to the gateways
  std::uint64_t errorsSent = 0;     // stanza error replies generated
  std::uint64_t dropped = 0;        // stanzas dropped by a rule (e.g. an error to nobody)
  std::uint64_t backendErrors = 0;  // failed directory / roster / auth calls
  std::uint64_t conflicts = 0;      // older sessions closed by a resource conflict
  std::uint64_t restored = 0;       // announced sessions the directory had lost, registered again
  std::uint64_t resumed = 0;        // XEP-0198 sessions bound again by a resume
  std::uint64_t detached = 0;       // XEP-0198 sessions kept for a resume (connection gone)
  std::uint64_t resumptionsExpired = 0;  // detached sessions whose resumption time ran out
  std::uint64_t queuedDetached = 0;      // stanzas queued for a detached session's resume
};

class RouterCore final : private RouterServices {
 public:
  RouterCore(SessionDirectory& directory, RosterClient& roster, AccountDirectory& accounts,
             GatewaySink& gateways, RouterConfig config, RouterLimits limits = {},
             ModuleBackends backends = {});

  RouterCore(const RouterCore&) = delete;
  RouterCore& operator=(const RouterCore&) = delete;

  /// A resource was bound. Binds it in the directory; an older session on the same full JID is
  /// closed with <conflict/> (RFC 6120 §7.7.2.2) and, if it was available, its unavailable
  /// presence is broadcast.
  void onSessionBound(const v1::SessionInfo& session);
  /// Priority / availability / interest / last presence changed.
  void onSessionUpdated(const v1::SessionInfo& session);
  /// The session is gone; if it was still bound and available, its unavailable presence goes
  /// to its subscribers, its user's other resources and whoever got directed presence from it.
  void onSessionEnded(const v1::SessionEnded& ended);
  /// A gateway died: onSessionEnded for each of its sessions (the caller lists them).
  void onGatewayGone(const std::string& gatewayId, const std::vector<v1::SessionInfo>& sessions);
  /// A bound session a gateway holds (at the start of its stream, or after the directory was
  /// lost): registered again if the directory lost it (its contacts hear its presence
  /// again), closed with <conflict/> if another session took its JID, else nothing.
  void onSessionAnnounced(const v1::SessionInfo& session);
  /// One session of a dead gateway, as read from the directory: ended like onSessionEnded,
  /// but removed from the directory only if it is still exactly that value (the gateway may
  /// be back and have registered it again).
  void onSessionSwept(const v1::SessionInfo& session);
  /// Sessions of a gateway this router knows locally (some may never have reached the
  /// directory): a sweep ends them too.
  std::vector<v1::SessionInfo> localSessionsOfGateway(const std::string& gatewayId) const;
  /// XEP-0198: sessions a sweep finds resumable are detached, not ended (null: ended).
  void setResumableSessions(ResumableSessionStore* store) { resumable_ = store; }
  /// A detached session's resumption time ran out: what it had not acknowledged takes the
  /// undeliverable path (messages to offline storage, requests answered with errors), then
  /// it ends as any session (unavailable broadcast).
  void onResumptionExpired(const std::string& sessionId, const std::string& fullJid,
                           const v1::SessionInfo& info,
                           const std::vector<v1::ResumableStanza>& unacked);
  /// A client stanza; `stanza.from` is the sender's full JID, stamped by the gateway.
  void onStanza(const std::string& sessionId, v1::Stanza stanza);
  /// Deliveries a gateway could not write: messages go to offline storage.
  void onUndeliverable(const v1::Undeliverable& undeliverable);
  /// Offline messages the gateway wrote to the client: delete them from storage.
  void onOfflineAck(const v1::OfflineAck& ack);

  RouterStats stats() const;
  std::size_t trackedSessions() const { return sessions_.size(); }
  std::size_t directedPresenceSessions() const { return directed_.sessions(); }
  const RouterConfig& config() const override { return config_; }
  /// What the modules registered (disco features, handlers, hooks).
  const ModuleRegistry& modules() const { return registry_; }
  /// Runs one more module, made with the core's deps (tests; optional modules). Call
  /// before the first event.
  Module& addModule(const std::function<std::unique_ptr<Module>(const ModuleDeps&)>& make);
  /// Configured service domains whose kind no module serves (the router's main refuses
  /// to start with any).
  std::vector<std::string> unservedDomains() const;

 private:
  // ---- messages (router_messages.cpp) ----
  void handleMessage(const Sender& sender, v1::Stanza message);
  // To a local user's sessions: the full JID's resource if connected, else as to the bare JID.
  // `sender` is null when there is no client to answer (a re-routed undeliverable).
  void routeToSessions(const Sender* sender, v1::Stanza message, const jid::Jid& to,
                       const SessionMap& sessions);
  void routeToBareJid(const Sender* sender, v1::Stanza message, const jid::Jid& to,
                      const SessionMap& sessions);
  // No session takes it: the modules' undeliverable hooks (offline storage), else an error.
  void undeliverable(const Sender* sender, const v1::Stanza& message, const jid::Jid& user,
                     bool accountKnown);

  // ---- presence (router_presence.cpp) ----
  void handlePresence(const Sender& sender, v1::Stanza presence);
  void broadcastAvailable(const Sender& sender, v1::Stanza presence);
  // Unavailable from `from` to subscribers, own resources and directed-presence targets.
  // `echoSession` (may be empty): the sending session, still connected, also gets it.
  void broadcastUnavailable(const std::string& sessionId, const jid::Jid& from, v1::Stanza presence,
                            const std::string& echoSession);
  // Unavailable from `from` to the directed-presence targets of a session that was not
  // available (no broadcast), RFC 6121 §4.6.3.
  void unavailableToDirected(const std::string& sessionId, const jid::Jid& from);
  void directedPresence(const Sender& sender, v1::Stanza presence, const jid::Jid& to);
  void deliverPresenceTo(const v1::Stanza& presence, const jid::Jid& to,
                         const SessionMap& sessions);
  void outboundSubscription(const Sender& sender, v1::Stanza presence, const jid::Jid& to);
  // `asSwept`: the directory value a sweep read (removed only if unchanged).
  void endSession(const std::string& sessionId, const std::string& fullJid, bool wasAvailable,
                  const v1::SessionInfo* asSwept = nullptr);
  // A resume took the session `previous` over (XEP-0198): the new session keeps its flags
  // and presence without a broadcast, and gets what was stored while it was detached.
  void resumedInPlaceOf(const v1::SessionInfo& session, const jid::Jid& full,
                        const std::optional<v1::SessionInfo>& previous);
  // The directory says the session is detached (what is routed to it is queued in Redis).
  void markDetached(const std::string& sessionId, const std::string& fullJid);
  // A stanza for a detached session: queued for its resume; if it cannot be (resumed
  // meanwhile, full, gone), what a session that never wrote it gets: its successor on the
  // same full JID, offline storage, an error to the sender, or counted (presence).
  void queueForDetached(const v1::SessionInfo& session, const v1::Stanza& stanza);
  static std::uint64_t nextGeneration();

  // ---- roster effects (router_effects.cpp) ----
  // `user` is the bare JID the effects were computed for; `origin` the client session that
  // caused them (answered if a route fails), or null.
  void applyEffects(const v1::RosterEffects& effects, const std::string& user, const Sender* origin,
                    int depth);
  void sendRosterPush(const v1::RosterPush& push);
  void routeSubscription(const v1::Stanza& stanza, const Sender* origin, int depth);
  void sendPresenceTo(const std::string& user, const std::string& contact, bool unavailable);

  // ---- iq (router_iq.cpp) ----
  void handleIq(const Sender& sender, v1::Stanza iq);
  void routeIqToFullJid(const Sender& sender, v1::Stanza iq, const jid::Jid& to);

  // ---- delivery and helpers (router_core.cpp) ----
  bool isLocal(const jid::Jid& jid) const { return jid.domain() == config_.domain; }
  /// A stanza to a service domain goes to the module serving it (true: handled, moved
  /// from); to an unserved one it is answered with service-unavailable.
  bool routedToService(const Sender* sender, v1::Stanza& stanza, const jid::Jid& to);
  // Whether the modules' filters (XEP-0191 blocking) let `from` address `to`; if not, a
  // message or iq is answered with their error (when `sender` is set), a presence dropped.
  bool interactionAllowed(const Sender* sender, const v1::Stanza& stanza, const jid::Jid& from,
                          const jid::Jid& to);
  bool presenceAllowed(std::string_view fromBare, std::string_view toBare);
  void deliver(const v1::Stanza& stanza, const SessionList& sessions) override;
  // A presence broadcast: each session gets `stanza` addressed to its own bare JID, in one
  // delivery per gateway (Delivery.to_recipient).
  void deliverToEach(v1::Stanza stanza, const SessionList& sessions);
  // To the sender's own session (answers, bounces, initial-presence backlog).
  void deliverToSender(const Sender& sender, const v1::Stanza& stanza) override {
    deliverToSession(sender, stanza, 0);
  }
  void deliverStoredToSender(const Sender& sender, const v1::Stanza& stanza,
                             std::int64_t storedId) override {
    deliverToSession(sender, stanza, storedId);
  }
  void deliverToSession(const Sender& sender, const v1::Stanza& stanza, std::int64_t offlineId);
  bool takeOfflineTurn(const std::string& sessionId) override {
    return sessions_.takeOfflineTurn(sessionId);
  }
  void giveBackOfflineTurn(const std::string& sessionId) override {
    sessions_.giveBackOfflineTurn(sessionId);
  }
  bool updateSession(const std::string& bareJid, const v1::SessionInfo& session) override;
  void closeSessionsOf(const std::string& bareJid, std::string_view condition,
                       std::string_view text) override;
  void applyRosterEffects(const v1::RosterEffects& effects, const std::string& user,
                          const Sender* origin) override {
    applyEffects(effects, user, origin, 0);
  }
  // Sends the error reply to `original` to its sender (a client session, or, when `sender` is
  // null, whatever session holds original.from). Never answers an error.
  void bounce(const Sender* sender, const v1::Stanza& original, const StanzaError& error) override;
  // A stanza to a full JID, if a session holds it; false otherwise.
  bool deliverToFullJid(const v1::Stanza& stanza, const jid::Jid& to);
  std::optional<SessionMap> sessionsOf(const std::string& bareJid) override;
  // Whether a local account exists; an error when the auth service failed.
  Expected<bool, StanzaError> accountExists(const jid::Jid& jid) override;
  std::string nextPushId();
  void countBackendError() override { backendErrors_.fetch_add(1, std::memory_order_relaxed); }
  void countDrop() override { dropped_.fetch_add(1, std::memory_order_relaxed); }

  SessionDirectory& directory_;
  RosterClient& roster_;
  AccountDirectory& accounts_;
  GatewaySink& gateways_;
  const RouterConfig config_;
  const RouterLimits limits_;
  const ModuleBackends backends_;
  ModuleRegistry registry_;
  std::vector<std::unique_ptr<Module>> modules_;

  SessionTable sessions_;
  DirectedPresenceTable directed_;
  ResumableSessionStore* resumable_ = nullptr;

  std::atomic<std::uint64_t> pushCounter_{0};
  std::atomic<std::uint64_t> deliveries_{0};
  std::atomic<std::uint64_t> errorsSent_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> backendErrors_{0};
  std::atomic<std::uint64_t> conflicts_{0};
  std::atomic<std::uint64_t> restored_{0};
  std::atomic<std::uint64_t> resumed_{0};
  std::atomic<std::uint64_t> detached_{0};
  std::atomic<std::uint64_t> resumptionsExpired_{0};
  std::atomic<std::uint64_t> queuedDetached_{0};
};

}  // namespace xmpp::router

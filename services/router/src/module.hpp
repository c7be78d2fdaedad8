#pragma once
// Router modules: each server-side XEP is one Module that registers what it handles with the
// ModuleRegistry -- iq handlers by (type, payload namespace, payload name) and the targets it
// serves, hooks on the message path, session hooks, and the disco identities and features it
// adds. RouterCore dispatches through the registry and knows no XEP (Prosody's module:hook,
// ejabberd's gen_iq_handler + ejabberd_hooks). A module talks to the world only through
// RouterServices (the core's delivery and directory helpers) and the ports it was given.
//
// Threading: handlers and hooks run on the router's worker threads, like the core: calls about
// different bare JIDs run concurrently, events of one bare JID in order. A module's own state
// must be thread-safe; most modules keep none.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ports.hpp"
#include "routing_rules.hpp"
#include "stanza_errors.hpp"
#include "xmpp/common/expected.hpp"
#include "xmpp/jid/jid.hpp"
#include "xmpp/stanza/payloads.hpp"

namespace xmpp::router {

/// The client session a stanza came from.
struct Sender {
  std::string sessionId;
  jid::Jid jid;  // full JID, stamped by the gateway
  std::string bare;
};

/// Who an iq addressed to the server or to an account is for (bits).
enum IqTarget : unsigned {
  kToNobody = 1,    // no 'to': the server, on the account's behalf (RFC 6120 §10.3)
  kToDomain = 2,    // the server itself
  kToOwnBare = 4,   // the sender's own account
  kToOtherBare = 8  // another local account
};
inline constexpr unsigned kServerTargets = kToNobody | kToDomain;
inline constexpr unsigned kSelfTargets = kToNobody | kToOwnBare;

struct IqRequest {
  const Sender& sender;
  const v1::Stanza& stanza;
  const v1::Element& payload;
  IqTarget target;
  const jid::Jid& account;  // the account the iq is about (the sender's unless kToOtherBare)
};

/// The result's payload (none: an empty result), or the error to answer with.
using IqAnswer = Expected<std::optional<v1::Element>, StanzaError>;
using IqHandler = std::function<IqAnswer(const IqRequest&)>;

IqAnswer emptyResult();
IqAnswer resultWith(v1::Element payload);
IqAnswer failure(StanzaError error);
/// The handler answered itself (e.g. it must act after its result went out).
IqAnswer alreadyAnswered();

/// A typed payload (libs/stanza) as an element.
template <class T>
v1::Element buildPayload(const T& payload) {
  v1::Element e;
  e.set_name(std::string(T::kName));
  e.set_ns(std::string(T::kNamespace));
  payload.build(e);
  return e;
}

/// A message from a client, before the core routes it. A hook may change it or stop it.
struct OutboundMessage {
  const Sender& sender;
  v1::Stanza& message;
  const jid::Jid& to;
};

/// A message the core delivered to local sessions of `to`'s account.
struct DeliveredMessage {
  const Sender* sender;  // null for a re-routed stanza with no client to answer
  const v1::Stanza& message;
  const jid::Jid& to;
  const SessionMap& recipientSessions;  // every session of to's bare JID
  const SessionList& deliveredTo;       // the sessions that got it
};

enum class HookResult { kContinue, kStop };

/// A message for a local account that no session takes (RFC 6121 §8.5.2.1.1: none
/// available, or the gateway could not write it).
struct UndeliverableMessage {
  const Sender* sender;  // null for a message handed back by a gateway: nobody to answer
  const v1::Stanza& message;
  const jid::Jid& user;  // the recipient's bare JID
  bool accountKnown;     // the directory has sessions for it: the account exists
};

/// Whether `from` may address `to` at all (bare JIDs): nullopt if so, else the error a
/// message or iq is answered with. Presence between them is dropped either way.
using InteractionFilter =
    std::function<std::optional<StanzaError>(const jid::Jid& from, const jid::Jid& to)>;
using OutboundMessageHook = std::function<HookResult(OutboundMessage&)>;
using DeliveredMessageHook = std::function<void(const DeliveredMessage&)>;
/// A session ended; `lastResource`: no other resource of the account is available now.
using SessionEndedHook =
    std::function<void(const jid::Jid& fullJid, bool lastResource, bool wasAvailable)>;
/// Takes every stanza addressed to a domain of its kind (RouterConfig::serviceDomains);
/// `sender` is null for a stanza with no client to answer.
using DomainService = std::function<void(const Sender* sender, v1::Stanza stanza)>;
/// kStop: the hook took the message (stored it, or answered its sender). When none does,
/// the sender gets service-unavailable.
using UndeliverableMessageHook = std::function<HookResult(const UndeliverableMessage&)>;
/// A session's available broadcast presence, after the core broadcast it.
using AvailablePresenceHook = std::function<void(const Sender& sender, int priority)>;
/// A gateway wrote stored messages to their recipient (the ids of `user`'s store).
using StoredAckHook = std::function<void(const std::string& user, const std::vector<int64_t>& ids)>;
/// A broadcast presence (no 'to') from a client, before the core broadcasts it.
using BroadcastPresenceHook = std::function<void(const Sender& sender, const v1::Stanza& presence)>;

/// What the core offers modules.
class RouterServices {
 public:
  virtual ~RouterServices() = default;
  virtual const RouterConfig& config() const = 0;
  /// The sessions of a bare JID; nullopt (counted) when the directory failed.
  virtual std::optional<SessionMap> sessionsOf(const std::string& bareJid) = 0;
  virtual void deliver(const v1::Stanza& stanza, const SessionList& sessions) = 0;
  /// To the sender's own session.
  virtual void deliverToSender(const Sender& sender, const v1::Stanza& stanza) = 0;
  /// The same for a stored message with its id in the sender's store: the gateway
  /// acknowledges it once written (StoredAckHook).
  virtual void deliverStoredToSender(const Sender& sender, const v1::Stanza& stanza,
                                     int64_t storedId) = 0;
  /// Answers `original` with an error, to `sender` (or, when null, whatever session holds
  /// original.from). Never answers an error.
  virtual void bounce(const Sender* sender, const v1::Stanza& original,
                      const StanzaError& error) = 0;
  /// True once per session (again after giveBackOfflineTurn): whether its stored messages
  /// are still to be delivered.
  virtual bool takeOfflineTurn(const std::string& sessionId) = 0;
  virtual void giveBackOfflineTurn(const std::string& sessionId) = 0;
  /// Writes a session's record (same session id) back to the directory; false if it failed.
  virtual bool updateSession(const std::string& bareJid, const v1::SessionInfo& session) = 0;
  /// Carries out roster effects (pushes, presences); `origin` is answered if a route fails.
  virtual void applyRosterEffects(const v1::RosterEffects& effects, const std::string& user,
                                  const Sender* origin) = 0;
  virtual Expected<bool, StanzaError> accountExists(const jid::Jid& jid) = 0;
  /// Ends every session of the account with a stream error (after what is queued for them).
  virtual void closeSessionsOf(const std::string& bareJid, std::string_view condition,
                               std::string_view text) = 0;
  virtual void countBackendError() = 0;
  /// A stanza dropped by a rule (counted in xmpp_router_dropped_total).
  virtual void countDrop() = 0;
};

/// Everything modules registered; RouterCore reads it.
class ModuleRegistry {
 public:
  struct IqEntry {
    unsigned targets;  // IqTarget bits it serves; other targets get service-unavailable
    IqHandler handler;
  };

  void addIq(std::string_view type, std::string_view ns, std::string_view name, unsigned targets,
             IqHandler handler);
  void addServerIdentity(stanza::DiscoIdentity identity);
  void addServerFeature(std::string feature);
  void addAccountFeature(std::string feature);  // disco#info on an account's bare JID
  /// A XEP-0128 data form appended to the server's disco#info (e.g. XEP-0157 addresses).
  void addServerInfoForm(v1::Element form);
  /// Lower `order` runs first.
  void addOutboundMessageHook(int order, OutboundMessageHook hook);
  void addDeliveredMessageHook(int order, DeliveredMessageHook hook);
  void addSessionEndedHook(SessionEndedHook hook);
  void addBroadcastPresenceHook(BroadcastPresenceHook hook);
  void addUndeliverableMessageHook(UndeliverableMessageHook hook);
  void addAvailablePresenceHook(AvailablePresenceHook hook);
  void addStoredAckHook(StoredAckHook hook);
  void addInteractionFilter(InteractionFilter filter);
  /// Serves the domains configured with service kind `kind` (one module per kind).
  void addDomainService(std::string kind, DomainService service);

  const IqEntry* findIq(std::string_view type, std::string_view ns, std::string_view name) const;
  const std::vector<stanza::DiscoIdentity>& serverIdentities() const { return identities_; }
  const std::vector<std::string>& serverFeatures() const { return serverFeatures_; }
  const std::vector<std::string>& accountFeatures() const { return accountFeatures_; }
  const std::vector<v1::Element>& serverInfoForms() const { return forms_; }
  bool hasSessionEndedHooks() const { return !sessionEnded_.empty(); }
  /// Runs the outbound hooks in order; kStop as soon as one stops the message.
  HookResult runOutbound(OutboundMessage& message) const;
  void runDelivered(const DeliveredMessage& message) const;
  void runSessionEnded(const jid::Jid& fullJid, bool lastResource, bool wasAvailable) const;
  void runBroadcastPresence(const Sender& sender, const v1::Stanza& presence) const;
  /// kStop as soon as one hook took the message.
  HookResult runUndeliverable(const UndeliverableMessage& message) const;
  void runAvailablePresence(const Sender& sender, int priority) const;
  /// False when no hook takes acknowledgements.
  bool runStoredAck(const std::string& user, const std::vector<int64_t>& ids) const;
  /// The first filter's verdict (nullopt: allowed, also when none is registered).
  std::optional<StanzaError> interactionRefused(const jid::Jid& from, const jid::Jid& to) const;
  bool hasInteractionFilters() const { return !filters_.empty(); }
  /// Null when no module serves `kind`.
  const DomainService* domainService(std::string_view kind) const;

 private:
  template <class H>
  struct Ordered {
    int order;
    H hook;
  };
  static std::string key(std::string_view type, std::string_view ns, std::string_view name);

  std::unordered_map<std::string, IqEntry> iqs_;
  std::vector<stanza::DiscoIdentity> identities_;
  std::vector<std::string> serverFeatures_;
  std::vector<std::string> accountFeatures_;
  std::vector<v1::Element> forms_;
  std::vector<Ordered<OutboundMessageHook>> outbound_;
  std::vector<Ordered<DeliveredMessageHook>> delivered_;
  std::vector<SessionEndedHook> sessionEnded_;
  std::vector<InteractionFilter> filters_;
  std::vector<BroadcastPresenceHook> presence_;
  std::vector<UndeliverableMessageHook> undeliverable_;
  std::vector<AvailablePresenceHook> available_;
  std::vector<StoredAckHook> storedAck_;
  std::map<std::string, DomainService, std::less<>> domainServices_;
};

/// One server-side extension.
class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  virtual void registerWith(ModuleRegistry& registry) = 0;
};

/// The backends of modules beyond the core's ports. A module whose backend is null registers
/// nothing (a test can leave it out; the router's main passes all).
struct ModuleBackends {
  PrivateStorageClient* privateStorage = nullptr;
  BlockListClient* blockList = nullptr;
  LastActivityClient* lastActivity = nullptr;
};

/// What a module may be built with.
struct ModuleDeps {
  RouterServices& core;
  RosterClient& roster;
  AccountDirectory& accounts;
  const ModuleRegistry& registry;  // e.g. for disco, which lists what the others registered
  const ModuleBackends& backends;
};

/// The modules this router runs, in registration order (modules/builtin.cpp: the one place).
std::vector<std::unique_ptr<Module>> makeBuiltinModules(const ModuleDeps& deps);

}  // namespace xmpp::router

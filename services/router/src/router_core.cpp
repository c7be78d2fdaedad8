// RouterCore: entry points, session lifecycle and the delivery helpers every handler uses.
// Messages, presence, roster effects and iq live in router_messages.cpp, router_presence.cpp,
// router_effects.cpp and router_iq.cpp.

#include "router_core.hpp"

#include <algorithm>

#include <utility>

#include "router_stanzas.hpp"

namespace xmpp::router {
RouterCore::RouterCore(SessionDirectory& directory, RosterClient& roster,
                       AccountDirectory& accounts, GatewaySink& gateways, RouterConfig config,
                       RouterLimits limits, ModuleBackends backends)
    : directory_(directory),
      roster_(roster),
      accounts_(accounts),
      gateways_(gateways),
      config_(std::move(config)),
      limits_(limits),
      backends_(backends),
      sessions_(limits.maxTrackedSessions),
      directed_(limits.maxDirectedPerSession, limits.maxDirectedSessions) {
  modules_ = makeBuiltinModules(ModuleDeps{*this, roster_, accounts_, registry_, backends_});
  for (auto& m : modules_) m->registerWith(registry_);
}

Module& RouterCore::addModule(
    const std::function<std::unique_ptr<Module>(const ModuleDeps&)>& make) {
  modules_.push_back(make(ModuleDeps{*this, roster_, accounts_, registry_, backends_}));
  modules_.back()->registerWith(registry_);
  return *modules_.back();
}

std::vector<std::string> RouterCore::unservedDomains() const {
  std::vector<std::string> out;
  for (const auto& [domain, kind] : config_.serviceDomains) {
    if (registry_.domainService(kind) == nullptr) out.push_back(domain + " (" + kind + ")");
  }
  return out;
}

bool RouterCore::routedToService(const Sender* sender, v1::Stanza& stanza, const jid::Jid& to) {
  auto it = config_.serviceDomains.find(to.domain());
  if (it == config_.serviceDomains.end()) return false;
  if (const DomainService* service = registry_.domainService(it->second)) {
    (*service)(sender, std::move(stanza));
  } else {
    bounce(sender, stanza, errors::serviceUnavailable());
  }
  return true;
}

RouterStats RouterCore::stats() const {
  RouterStats s;
  s.deliveries = deliveries_.load(std::memory_order_relaxed);
  s.errorsSent = errorsSent_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.backendErrors = backendErrors_.load(std::memory_order_relaxed);
  s.conflicts = conflicts_.load(std::memory_order_relaxed);
  s.restored = restored_.load(std::memory_order_relaxed);
  s.resumed = resumed_.load(std::memory_order_relaxed);
  s.detached = detached_.load(std::memory_order_relaxed);
  s.resumptionsExpired = resumptionsExpired_.load(std::memory_order_relaxed);
  s.queuedDetached = queuedDetached_.load(std::memory_order_relaxed);
  return s;
}

// ---- stanzas ----

void RouterCore::onStanza(const std::string& sessionId, v1::Stanza stanza) {
  guarded(backendErrors_, [&] {
    auto from = jid::Jid::parse(stanza.from());
    if (!from || !from->isFull()) {
      countDrop();  // the gateway stamps every client stanza with the full JID
      return;
    }
    Sender sender{sessionId, *from, from->bareStr()};
    switch (stanza.kind()) {
      case v1::STANZA_KIND_MESSAGE:
        handleMessage(sender, std::move(stanza));
        break;
      case v1::STANZA_KIND_PRESENCE:
        handlePresence(sender, std::move(stanza));
        break;
      case v1::STANZA_KIND_IQ:
        handleIq(sender, std::move(stanza));
        break;
      default:
        countDrop();
        break;
    }
  });
}

void RouterCore::onUndeliverable(const v1::Undeliverable& undeliverable) {
  for (const auto& s : undeliverable.stanzas()) {
    guarded(backendErrors_, [&] {
      // A request never read is answered (RFC 6120 §8.2.3: service-unavailable); only
      // messages have an offline path.
      if (s.kind() == v1::STANZA_KIND_IQ && (s.type() == "get" || s.type() == "set")) {
        bounce(nullptr, s, errors::serviceUnavailable());
        return;
      }
      if (s.kind() != v1::STANZA_KIND_MESSAGE || s.type() == "error") {
        countDrop();
        return;
      }
      auto to = jid::Jid::parse(s.to());
      if (!to || !isLocal(*to) || to->local().empty()) {
        countDrop();
        return;
      }
      // Handed back from a session that went (its gateway died, or it closed): the user's
      // other sessions, or one that took the same resource since, get it live; offline
      // storage only when there is none (the user may be back already, on another gateway).
      // A stored one stays stored until acknowledged: it is not sent twice.
      if (isFromOfflineStorage(s, config_.domain)) {
        this->undeliverable(nullptr, s, to->bare(), false);
        return;
      }
      if (auto sessions = sessionsOf(to->bareStr())) {
        std::erase_if(*sessions, [&](const auto& entry) {
          return entry.second.session_id() == undeliverable.session_id();
        });
        routeToSessions(nullptr, s, *to, *sessions);
        return;
      }
      this->undeliverable(nullptr, s, to->bare(), false);
    });
  }
}

void RouterCore::onOfflineAck(const v1::OfflineAck& ack) {
  guarded(backendErrors_, [&] {
    const std::vector<int64_t> ids(ack.ids().begin(), ack.ids().end());
    if (!registry_.runStoredAck(ack.user(), ids)) countDrop();
  });
}

// ---- delivery helpers ----

void RouterCore::deliver(const v1::Stanza& stanza, const SessionList& sessions) {
  if (sessions.empty()) return;
  const auto detached = [](const v1::SessionInfo* s) {
    return s->detached() && !s->sm_id().empty();
  };
  if (resumable_ == nullptr || std::none_of(sessions.begin(), sessions.end(), detached)) {
    deliveries_.fetch_add(deliverGrouped(gateways_, stanza, sessions), std::memory_order_relaxed);
    return;
  }
  SessionList live;
  for (const auto* s : sessions) {
    if (detached(s)) {
      queueForDetached(*s, stanza);
    } else {
      live.push_back(s);
    }
  }
  if (!live.empty()) {
    deliveries_.fetch_add(deliverGrouped(gateways_, stanza, live), std::memory_order_relaxed);
  }
}

void RouterCore::deliverToEach(v1::Stanza stanza, const SessionList& sessions) {
  if (sessions.empty()) return;
  stanza.clear_to();
  SessionList live;
  for (const auto* s : sessions) {
    if (resumable_ != nullptr && s->detached() && !s->sm_id().empty()) {
      v1::Stanza addressed = stanza;  // queued as the session would have read it
      addressed.set_to(s->full_jid().substr(0, s->full_jid().find('/')));
      queueForDetached(*s, addressed);
    } else {
      live.push_back(s);
    }
  }
  deliveries_.fetch_add(deliverGrouped(gateways_, stanza, live, 0, {}, /*toRecipient=*/true),
                        std::memory_order_relaxed);
}

void RouterCore::deliverToSession(const Sender& sender, const v1::Stanza& stanza,
                                  std::int64_t offlineId) {
  std::string gateway;
  if (auto local = sessions_.get(sender.sessionId); local && !local->gatewayId.empty()) {
    gateway = local->gatewayId;
  } else {
    auto sessions = sessionsOf(sender.bare);
    if (!sessions) return;
    auto it = sessions->find(sender.jid.resource());
    if (it == sessions->end() || it->second.session_id() != sender.sessionId) {
      countDrop();  // the session is gone
      return;
    }
    gateway = it->second.gateway_id();
    sessions_.add(sender.sessionId, gateway, sender.jid.str());
  }
  v1::Delivery d;
  d.add_session_ids(sender.sessionId);
  *d.mutable_stanza() = stanza;
  if (offlineId != 0) {
    d.set_offline_id(offlineId);
    d.set_offline_user(sender.bare);
  }
  gateways_.deliver(gateway, std::move(d));
  deliveries_.fetch_add(1, std::memory_order_relaxed);
}

void RouterCore::bounce(const Sender* sender, const v1::Stanza& original,
                        const StanzaError& error) {
  auto reply = makeErrorReply(original, error);
  if (!reply) {
    countDrop();  // never answer an error with an error
    return;
  }
  errorsSent_.fetch_add(1, std::memory_order_relaxed);
  if (sender != nullptr) {
    reply->set_to(sender->jid.str());
    deliverToSender(*sender, *reply);
    return;
  }
  auto to = jid::Jid::parse(reply->to());
  if (!to || !isLocal(*to) || !to->isFull() || !deliverToFullJid(*reply, *to)) countDrop();
}

bool RouterCore::interactionAllowed(const Sender* sender, const v1::Stanza& stanza,
                                    const jid::Jid& from, const jid::Jid& to) {
  if (!registry_.hasInteractionFilters()) return true;
  auto refused = registry_.interactionRefused(from, to);
  if (!refused) return true;
  if (stanza.kind() == v1::STANZA_KIND_PRESENCE || stanza.type() == "error") {
    countDrop();
  } else {
    bounce(sender, stanza, *refused);
  }
  return false;
}

bool RouterCore::presenceAllowed(std::string_view fromBare, std::string_view toBare) {
  if (!registry_.hasInteractionFilters()) return true;
  auto from = jid::Jid::parse(fromBare);
  auto to = jid::Jid::parse(toBare);
  if (!from || !to || !registry_.interactionRefused(*from, *to)) return true;
  countDrop();
  return false;
}

bool RouterCore::updateSession(const std::string& bareJid, const v1::SessionInfo& session) {
  auto full = jid::Jid::parse(session.full_jid());
  if (!full || !directory_.update(bareJid, full->resource(), session)) {
    countBackendError();
    return false;
  }
  return true;
}

void RouterCore::closeSessionsOf(const std::string& bareJid, std::string_view condition,
                                 std::string_view text) {
  auto sessions = sessionsOf(bareJid);
  if (!sessions) return;
  for (const auto& [resource, s] : *sessions) {
    v1::CloseSession close;
    close.set_session_id(s.session_id());
    close.set_condition(std::string(condition));
    close.set_text(std::string(text));
    gateways_.close(s.gateway_id(), std::move(close));
  }
}

bool RouterCore::deliverToFullJid(const v1::Stanza& stanza, const jid::Jid& to) {
  auto sessions = sessionsOf(to.bareStr());
  if (!sessions) return false;
  auto it = sessions->find(to.resource());
  if (it == sessions->end()) return false;
  deliver(stanza, {&it->second});
  return true;
}

std::optional<SessionMap> RouterCore::sessionsOf(const std::string& bareJid) {
  auto sessions = directory_.sessions(bareJid);
  if (!sessions) {
    countBackendError();
    return std::nullopt;
  }
  return *std::move(sessions);
}

Expected<bool, StanzaError> RouterCore::accountExists(const jid::Jid& jid) {
  if (!isLocal(jid) || jid.local().empty()) return false;
  auto exists = accounts_.exists(jid.local());
  if (!exists) {
    countBackendError();
    return unexpected(fromStoreError(exists.error()));
  }
  return *exists;
}

std::string RouterCore::nextPushId() {
  return "push" + std::to_string(pushCounter_.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace xmpp::router

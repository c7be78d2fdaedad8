// RouterCore: the session lifecycle (RFC 6120 §7 binding and its conflicts, the end of a
// session and its unavailable presence) and the session directory's self-healing: sessions a
// gateway announces are registered again when the directory lost them, sessions of a dead
// gateway are swept without touching one registered again meanwhile (issue 9, case 1).

#include "router_core.hpp"
#include "router_stanzas.hpp"

namespace xmpp::router {

void RouterCore::onSessionBound(const v1::SessionInfo& session) {
  const auto answer = [&](std::string_view condition) {
    v1::BindResult result;
    result.set_session_id(session.session_id());
    result.set_condition(std::string(condition));
    gateways_.bindResult(session.gateway_id(), std::move(result));
  };
  guarded(backendErrors_, [&] {
    auto full = jid::Jid::parse(session.full_jid());
    if (!full || !full->isFull()) {
      countDrop();
      answer("bad-request");
      return;
    }
    if (config_.maxResourcesPerAccount > 0) {
      // RFC 6120 §7.6.2.1: the account has as many resources as it may (issue 9, case 13).
      auto current = sessionsOf(full->bareStr());
      if (current && current->count(full->resource()) == 0 &&
          current->size() >= config_.maxResourcesPerAccount) {
        countDrop();
        answer("resource-constraint");
        return;
      }
    }
    sessions_.add(session.session_id(), session.gateway_id(), session.full_jid());
    auto replaced = directory_.bind(full->bareStr(), full->resource(), session);
    if (!replaced) {
      // Nobody could reach the JID: the client is told to wait, not handed a dead session
      // (issue 9, case 8).
      countBackendError();
      sessions_.erase(session.session_id());
      answer("resource-constraint");
      return;
    }
    answer({});
    if (!session.resumes().empty()) {
      resumedInPlaceOf(session, *full, *replaced);
      return;
    }
    if (!replaced->has_value() || (*replaced)->session_id() == session.session_id()) return;

    // RFC 6120 §7.7.2.2: the newer session wins; the older one gets <conflict/>.
    const v1::SessionInfo old = **replaced;
    conflicts_.fetch_add(1, std::memory_order_relaxed);
    v1::CloseSession close;
    close.set_session_id(old.session_id());
    close.set_condition("conflict");
    close.set_text("Replaced by a new connection");
    gateways_.close(old.gateway_id(), std::move(close));
    sessions_.erase(old.session_id());
    if (old.available()) {
      broadcastUnavailable(old.session_id(), *full,
                           makeStanza(v1::STANZA_KIND_PRESENCE, full->str(), {}, "unavailable"),
                           {});
    } else {
      unavailableToDirected(old.session_id(), *full);
    }
  });
}

void RouterCore::onSessionUpdated(const v1::SessionInfo& session) {
  guarded(backendErrors_, [&] {
    auto full = jid::Jid::parse(session.full_jid());
    if (!full || !full->isFull()) {
      countDrop();
      return;
    }
    // The gateway knows nothing of the modules' per-session flags: keep the ones we set.
    v1::SessionInfo merged = session;
    if (auto current = sessionsOf(full->bareStr())) {
      auto it = current->find(full->resource());
      if (it != current->end() && it->second.session_id() == session.session_id()) {
        *merged.mutable_flags() = it->second.flags();
      }
    }
    auto updated = directory_.update(full->bareStr(), full->resource(), merged);
    if (!updated && updated.error() == storage::StoreError::kNotFound) {
      countDrop();  // a session already replaced or ended: nothing to track
      return;
    }
    if (!updated) countBackendError();
    sessions_.add(session.session_id(), session.gateway_id(), session.full_jid());
  });
}

void RouterCore::onSessionEnded(const v1::SessionEnded& ended) {
  if (ended.detached()) {
    // XEP-0198: the connection went, the session waits for a resume (its state in Redis,
    // expired by onResumptionExpired): it stays in the directory, nobody is told anything,
    // and what reaches it meanwhile is handed back by its gateway (offline storage).
    detached_.fetch_add(1, std::memory_order_relaxed);
    guarded(backendErrors_, [&] { markDetached(ended.session_id(), ended.full_jid()); });
    return;
  }
  guarded(backendErrors_,
          [&] { endSession(ended.session_id(), ended.full_jid(), ended.was_available()); });
}

void RouterCore::markDetached(const std::string& sessionId, const std::string& fullJid) {
  if (resumable_ == nullptr) return;  // what reaches it is handed back: offline storage
  auto full = jid::Jid::parse(fullJid);
  if (!full || !full->isFull()) return;
  auto current = sessionsOf(full->bareStr());
  if (!current) return;
  auto it = current->find(full->resource());
  if (it == current->end() || it->second.session_id() != sessionId) return;  // resumed already
  v1::SessionInfo detached = it->second;
  detached.set_detached(true);
  if (!directory_.update(full->bareStr(), full->resource(), detached)) countBackendError();
}

void RouterCore::queueForDetached(const v1::SessionInfo& session, const v1::Stanza& stanza) {
  v1::ResumableStanza entry;
  entry.set_kind(v1::ResumableStanza::KIND_ROUTED);
  *entry.mutable_stanza() = stanza;
  auto queued = resumable_->queue(session.sm_id(), entry.SerializeAsString());
  if (queued && *queued == ResumableSessionStore::Queued::kQueued) {
    queuedDetached_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!queued) countBackendError();
  auto full = jid::Jid::parse(session.full_jid());
  if (!full) {
    countDrop();
    return;
  }
  if (queued && *queued == ResumableSessionStore::Queued::kNotDetached) {
    // Resumed since the directory was read: the resumed session holds the full JID now.
    if (auto sessions = sessionsOf(full->bareStr())) {
      auto it = sessions->find(full->resource());
      if (it != sessions->end() && it->second.session_id() != session.session_id() &&
          !it->second.detached()) {
        deliver(stanza, {&it->second});
        return;
      }
    }
  }
  // Full or gone: as a stanza its session never wrote (never routed to a session again).
  if (stanza.kind() == v1::STANZA_KIND_IQ && (stanza.type() == "get" || stanza.type() == "set")) {
    bounce(nullptr, stanza, errors::serviceUnavailable());
  } else if (stanza.kind() == v1::STANZA_KIND_MESSAGE && stanza.type() != "error") {
    this->undeliverable(nullptr, stanza, full->bare(), false);
  } else {
    countDrop();
  }
}

void RouterCore::resumedInPlaceOf(const v1::SessionInfo& session, const jid::Jid& full,
                                  const std::optional<v1::SessionInfo>& previous) {
  resumed_.fetch_add(1, std::memory_order_relaxed);
  const Sender sender{session.session_id(), full, full.bareStr()};
  if (previous && previous->session_id() == session.resumes()) {
    // In its place: the old stream, if its gateway still holds it, closes without handing
    // anything back; flags, directed presence and presence carry over without a broadcast.
    v1::CloseSession close;
    close.set_session_id(previous->session_id());
    close.set_condition("conflict");
    close.set_text("Resumed on another connection");
    close.set_resumed(true);
    gateways_.close(previous->gateway_id(), std::move(close));
    sessions_.erase(previous->session_id());
    for (const auto& target : directed_.take(previous->session_id())) {
      directed_.add(session.session_id(), target);
    }
    if (previous->flags_size() > 0) {
      v1::SessionInfo merged = session;
      *merged.mutable_flags() = previous->flags();
      if (!directory_.update(full.bareStr(), full.resource(), merged)) countBackendError();
    }
    if (session.available()) {
      sessions_.startPresence(session.session_id(), full.str());
      // What was stored while it was detached follows what it had not acknowledged.
      registry_.runAvailablePresence(sender, session.priority());
    }
    return;
  }
  if (previous && previous->session_id() != session.session_id()) {
    // Another session took the resource meanwhile: the newer one (this) wins.
    v1::CloseSession close;
    close.set_session_id(previous->session_id());
    close.set_condition("conflict");
    close.set_text("Replaced by a new connection");
    gateways_.close(previous->gateway_id(), std::move(close));
    sessions_.erase(previous->session_id());
  }
  // The directory had lost it (swept, ended): its contacts hear its presence again.
  if (session.available()) {
    broadcastAvailable(sender, session.has_presence()
                                   ? session.presence()
                                   : makeStanza(v1::STANZA_KIND_PRESENCE, full.str(), {}, {}));
  }
}

void RouterCore::onResumptionExpired(const std::string& sessionId, const std::string& fullJid,
                                     const v1::SessionInfo& info,
                                     const std::vector<v1::ResumableStanza>& unacked) {
  resumptionsExpired_.fetch_add(1, std::memory_order_relaxed);
  v1::Undeliverable back;
  back.set_session_id(sessionId);
  for (const auto& e : unacked) {
    if (e.kind() == v1::ResumableStanza::KIND_ROUTED) *back.add_stanzas() = e.stanza();
    // Stored offline messages stay stored; our own answers and pings need nothing.
  }
  if (back.stanzas_size() > 0) onUndeliverable(back);
  guarded(backendErrors_, [&] { endSession(sessionId, fullJid, info.available()); });
}

void RouterCore::onSessionAnnounced(const v1::SessionInfo& session) {
  guarded(backendErrors_, [&] {
    auto full = jid::Jid::parse(session.full_jid());
    if (!full || !full->isFull() || session.session_id().empty()) {
      countDrop();
      return;
    }
    auto current = sessionsOf(full->bareStr());
    if (!current) return;  // counted; the next announcement (or the session's end) settles it
    // This router's own view of it, so that its next presence is an update, not an initial
    // presence.
    auto keepLocally = [&] {
      sessions_.add(session.session_id(), session.gateway_id(), session.full_jid());
      if (session.available()) sessions_.startPresence(session.session_id(), session.full_jid());
    };
    auto it = current->find(full->resource());
    if (it != current->end() && it->second.session_id() == session.session_id()) {
      keepLocally();  // known: this router took over another's users, or was restarted
      return;
    }
    if (it != current->end()) {
      // Another session took the JID while this one was unreachable: it is the older one
      // (RFC 6120 §7.7.2.2), and its gateway missed the conflict.
      v1::CloseSession close;
      close.set_session_id(session.session_id());
      close.set_condition("conflict");
      close.set_text("Replaced by a new connection");
      gateways_.close(session.gateway_id(), std::move(close));
      return;
    }
    // Lost by the directory (swept during a break, or Redis came back empty): registered
    // again, with a new generation so that a sweep still running leaves it alone.
    v1::SessionInfo restored = session;
    restored.set_generation(nextGeneration());
    auto replaced = directory_.bind(full->bareStr(), full->resource(), restored);
    if (!replaced) {
      countBackendError();
      return;
    }
    if (*replaced && (*replaced)->session_id() == session.session_id()) {
      // Another router restored it meanwhile (both were asked to announce): it told the
      // contacts and delivered what was stored; twice would copy both.
      keepLocally();
      return;
    }
    restored_.fetch_add(1, std::memory_order_relaxed);
    keepLocally();
    if (session.available()) {
      // Its contacts may have been told it left: they hear its presence again (not an
      // initial presence: no probes).
      const Sender sender{session.session_id(), *full, full->bareStr()};
      const v1::Stanza presence = session.has_presence()
                                      ? session.presence()
                                      : makeStanza(v1::STANZA_KIND_PRESENCE, full->str(), {}, {});
      // Messages stored while the directory did not list it (they found nobody) reach it
      // now, not at its next login: the broadcast's offline turn is its own again.
      sessions_.giveBackOfflineTurn(session.session_id());
      broadcastAvailable(sender, presence);
    }
  });
}

void RouterCore::onSessionSwept(const v1::SessionInfo& session) {
  guarded(backendErrors_, [&] {
    if (!session.sm_id().empty() && resumable_ != nullptr) {
      // XEP-0198: its client may resume it on another gateway; it ends when that time is up.
      auto detached = resumable_->detach(session.sm_id(), session.session_id());
      if (detached && *detached) {
        detached_.fetch_add(1, std::memory_order_relaxed);
        if (!session.detached()) markDetached(session.session_id(), session.full_jid());
        return;
      }
      if (!detached) countBackendError();
    }
    endSession(session.session_id(), session.full_jid(), session.available(), &session);
  });
}

std::vector<v1::SessionInfo> RouterCore::localSessionsOfGateway(
    const std::string& gatewayId) const {
  std::vector<v1::SessionInfo> out;
  for (auto& [id, local] : sessions_.ofGateway(gatewayId)) {
    v1::SessionInfo s;
    s.set_session_id(id);
    s.set_gateway_id(local.gatewayId);
    s.set_full_jid(local.fullJid);
    out.push_back(std::move(s));
  }
  return out;
}

std::uint64_t RouterCore::nextGeneration() {
  // Unique across restarts and routers in practice: the clock, then a counter.
  static std::atomic<std::uint64_t> last{0};
  const auto now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  std::uint64_t prev = last.load();
  std::uint64_t next;
  do {
    next = std::max(now, prev + 1);
  } while (!last.compare_exchange_weak(prev, next));
  return next;
}

void RouterCore::onGatewayGone(const std::string& gatewayId,
                               const std::vector<v1::SessionInfo>& sessions) {
  for (const auto& s : sessions) {
    guarded(backendErrors_, [&] { endSession(s.session_id(), s.full_jid(), s.available()); });
  }
  // Sessions the caller did not list (never reached the directory) must not linger here.
  for (const auto& id : sessions_.eraseGateway(gatewayId)) directed_.take(id);
}

void RouterCore::endSession(const std::string& sessionId, const std::string& fullJid,
                            bool wasAvailable, const v1::SessionInfo* asSwept) {
  const auto local = sessions_.get(sessionId);
  const bool known = sessions_.erase(sessionId);
  auto full = jid::Jid::parse(fullJid);
  if (!full || !full->isFull()) {
    directed_.take(sessionId);
    countDrop();
    return;
  }
  const bool available = wasAvailable || (local && local->presenceStarted);
  bool broadcast = false;
  // A sweep removes only the value it read: never a session registered again meanwhile.
  auto removed = asSwept != nullptr
                     ? directory_.removeUnchanged(full->bareStr(), full->resource(), *asSwept)
                     : directory_.remove(full->bareStr(), full->resource(), sessionId);
  if (removed) {
    // Not removed: a newer session took the resource and its bind already broadcast our
    // unavailable presence, or another router already cleaned up after our gateway.
    broadcast = *removed && available;
  } else {
    countBackendError();
    // Cannot tell from the directory; a session still in our table was not replaced.
    broadcast = available && known;
  }
  if (broadcast) {
    broadcastUnavailable(sessionId, *full,
                         makeStanza(v1::STANZA_KIND_PRESENCE, full->str(), {}, "unavailable"), {});
  } else {
    unavailableToDirected(sessionId, *full);  // empty for a replaced session: taken at bind
  }
  if (registry_.hasSessionEndedHooks() && (!removed || *removed)) {
    bool lastResource = true;
    if (auto rest = sessionsOf(full->bareStr())) {
      for (const auto& [resource, s] : *rest) lastResource = lastResource && !s.available();
    }
    registry_.runSessionEnded(*full, lastResource, available);
  }
}

}  // namespace xmpp::router

// C2sSession, the router's side of a bound stream: deliveries, the holds (while the bind is
// answered, XEP-0352 while inactive), offline messages and the proof that they were read,
// and what goes back to the router when bytes are never written (c2s_session.cpp: the rest).

#include "c2s_session.hpp"
#include "features/csi.hpp"
#include "xmpp/stanza/codec.hpp"

namespace xmpp::gateway {

void C2sSession::deliver(const v1::Stanza& stanza) {
  if (closed()) {
    // Closing (our last bytes queued, the connection not yet gone): never to be written, so a
    // message goes back to the router's offline path (issue 9, case 3).
    if (stanza.kind() == v1::STANZA_KIND_MESSAGE) onUnwritten({Outbound::routed(stanza)});
    return;
  }
  if (state_ == State::kBinding) {
    // Routed before the router's bind answer reached us: written right after it. Bounded
    // like the CSI hold; past it a message takes the offline path, a presence is counted.
    if (heldStanzas_.size() < config_.csiMaxHeldStanzas) {
      heldStanzas_.push_back(stanza);
    } else if (stanza.kind() == v1::STANZA_KIND_MESSAGE) {
      router_.undeliverable(sessionId_, bareJid_, {stanza});
    } else {
      reportDropped("binding-held", 1);
    }
    return;
  }
  if (inactive_ && !csiUrgent(stanza)) {
    const size_t bytes = stanza.ByteSizeLong();
    if (heldStanzas_.empty()) transport_.flushAfter(config_.csiMaxHold);
    heldStanzas_.push_back(stanza);
    heldBytes_ += bytes;
    if (heldStanzas_.size() >= config_.csiMaxHeldStanzas || heldBytes_ >= config_.csiMaxHeldBytes) {
      flushHeld();
    }
    return;
  }
  flushHeld();  // what was held came first
  write(stanza);
}

void C2sSession::write(const v1::Stanza& stanza) {
  if (closed()) return;
  std::string out;
  stanza::toXml(stanza, out);
  // A message has an offline path, a request an error answer, if never read (presence has
  // neither: the router answers probes from the directory).
  const bool request =
      stanza.kind() == v1::STANZA_KIND_IQ && (stanza.type() == "get" || stanza.type() == "set");
  sendStanza(std::move(out), stanza.kind() == v1::STANZA_KIND_MESSAGE || request
                                 ? Outbound::routed(stanza)
                                 : Outbound::other());
}

void C2sSession::sendStanza(std::string bytes, Outbound what) {
  if (closed()) return;
  if (!sm_.enabled()) {
    if (what.kind == Outbound::Kind::kOther) {
      transport_.write(std::move(bytes));
    } else {
      transport_.write(std::move(bytes), std::move(what));
    }
    return;
  }
  // XEP-0198: the acknowledgement, not the write, settles it; the transport just writes
  // (once stored, if the session is resumable).
  const size_t size = bytes.size();
  if (resumable_) {
    persist(what, std::move(bytes));
  } else {
    writeOrdered(std::move(bytes));
  }
  const bool within = sm_.sent(std::move(what), size);
  if (!within) {
    streamError(
        {stream::StreamErrorCondition::kResourceConstraint, "too many unacknowledged stanzas"});
    return;
  }
  if (sm_.requestAck()) {
    writeOrdered("<r xmlns=\"urn:xmpp:sm:3\"/>");
  } else if (sm_.ackPending() && !inactive_ && heldStanzas_.empty() &&
             config_.sm.ackAfter.count() > 0) {
    transport_.flushAfter(config_.sm.ackAfter);  // asked for by time (onFlushTimer)
  }
}

void C2sSession::acknowledged(uint32_t h) {
  StreamManagement::Acked acked = sm_.acked(h);
  if (acked.tooHigh) {
    streamError({stream::StreamErrorCondition::kUndefinedCondition,
                 "handled-count-too-high: h=" + std::to_string(h) + ", sent " +
                     std::to_string(sm_.sentCount())});
    return;
  }
  if (resumable_) {
    resumeStore_->ack(smId_, sessionId_, static_cast<uint32_t>(acked.stanzas.size()), h,
                      sm_.handled(), [alive = std::weak_ptr<bool>(alive_), this](auto outcome) {
                        if (!alive.expired() && outcome != ResumeStore::Outcome::kOk) {
                          stored(outcome);
                        }
                      });
  }
  ackOffline(acked.stanzas);
  if (sm_.requestAck()) writeOrdered("<r xmlns=\"urn:xmpp:sm:3\"/>");
}

// Acknowledged offline messages are deleted, one call per store (a run of one user's).
void C2sSession::ackOffline(const std::vector<Outbound>& read) {
  std::vector<int64_t> ids;
  const Outbound* last = nullptr;
  for (const Outbound& o : read) {
    if (o.kind != Outbound::Kind::kOffline) continue;
    if (last != nullptr && last->offlineUser != o.offlineUser) {
      router_.offlineAck(last->offlineUser, std::exchange(ids, {}));
    }
    ids.push_back(o.offlineId);
    last = &o;
  }
  if (last != nullptr) router_.offlineAck(last->offlineUser, std::move(ids));
}

void C2sSession::flushHeld() {
  if (heldStanzas_.empty() || state_ == State::kBinding) return;
  std::vector<v1::Stanza> held = std::exchange(heldStanzas_, {});
  heldBytes_ = 0;
  for (const auto& s : held) write(s);
}

void C2sSession::onFlushTimer() {
  if (state_ != State::kBinding) {
    flushHeld();
    if (sm_.enabled() && !closed() && sm_.requestAckNow()) {
      writeOrdered("<r xmlns=\"urn:xmpp:sm:3\"/>");
    }
    return;
  }
  // The router did not answer the bind in time (its stream is down): tell it the session
  // is over, in case the bind arrives later, and the client to wait.
  v1::SessionEnded ended;
  ended.set_session_id(sessionId_);
  ended.set_full_jid(fullJid_);
  router_.sessionEnded(ended);
  bindFailed("resource-constraint");
}

void C2sSession::setInactive(bool inactive) {
  inactive_ = inactive;
  if (!inactive) flushHeld();
}

void C2sSession::deliverOffline(const v1::Delivery& delivery) {
  if (closed()) return;  // not written: the router keeps it offline
  flushHeld();
  std::string out;
  stanza::toXml(delivery.stanza(), out);
  if (delivery.offline_id() == 0) {
    sendStanza(std::move(out), Outbound::other());
    return;
  }
  // Deleted once proven read (onWritten, a ping after it; or a XEP-0198 ack); never
  // written, it stays stored (and is not handed back: it would be stored twice).
  sendStanza(
      std::move(out),
      Outbound::offline(delivery.offline_id(),
                        delivery.offline_user().empty() ? bareJid_ : delivery.offline_user()));
}

void C2sSession::onWritten(const Outbound& sent) {
  if (sent.kind != Outbound::Kind::kOffline) return;
  // Written is not read: deleted once a ping queued after it is answered (delivery_proof).
  if (proof_.written({sent.offlineUser, sent.offlineId})) sendPing(proof_.startPing());
}

bool C2sSession::proofAnswered(const v1::Stanza& iq) {
  if (!proof_.pingInFlight() || (iq.type() != "result" && iq.type() != "error") ||
      !isServerAddress(iq.to())) {
    return false;
  }
  bool again = false;
  std::vector<DeliveryProof::Stored> proven = proof_.answered(iq.id(), again);
  if (proven.empty()) return false;
  std::vector<Outbound> read;
  read.reserve(proven.size());
  for (auto& p : proven) read.push_back(Outbound::offline(p.id, std::move(p.user)));
  ackOffline(read);
  if (again) sendPing(proof_.startPing());
  return true;
}

void C2sSession::onUnwritten(std::vector<Outbound> unwritten) {
  std::vector<v1::Stanza> messages;
  for (Outbound& sent : unwritten) {
    if (sent.kind == Outbound::Kind::kRouted) messages.push_back(std::move(sent.stanza));
  }
  if (!messages.empty() && bound_) router_.undeliverable(sessionId_, bareJid_, std::move(messages));
}

}  // namespace xmpp::gateway

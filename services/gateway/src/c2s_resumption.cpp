// C2sSession, XEP-0198 resumption: <enable resume/> makes the session resumable on any
// gateway. From then on every stanza sent is first stored with the session's state in Redis
// (ResumeStore) and written once stored, in order; acknowledgements trim it. When the
// connection goes, the session detaches (stays in the directory, its state waits for a
// resume until its max); a <resume/> on any gateway takes the state over atomically, binds
// in the old session's place and writes what the client had not acknowledged. A stream that
// lost its session to a resume elsewhere learns it from the store or the router, and hands
// nothing back (c2s_session.cpp: the rest of the session).

#include "c2s_session.hpp"
#include "random_id.hpp"
#include "xmpp/stanza/codec.hpp"
#include "xmpp/stream/stream_error.hpp"
#include "xmpp/xml/escape.hpp"

namespace xmpp::gateway {
namespace {

// Random bytes in a resumption id: unguessable, and bound to the account besides.
constexpr size_t kResumeIdBytes = 18;
constexpr auto kResumeBindTimeout = std::chrono::seconds(10);

// A routed stanza's entry is its ResumableStanza encoding written by hand: field 3 (stanza)
// length-delimited, the kind (ROUTED, 0) left out as proto3 does; no copy of the stanza tree
// (the stanza is written again from it, or stored offline if the session expires).
std::string routedEntryOf(const v1::Stanza& stanza) {
  const size_t n = stanza.ByteSizeLong();
  std::string out;
  out.reserve(n + 6);
  out.push_back('\x1a');  // (3 << 3) | 2
  for (size_t v = n; true; v >>= 7) {
    if (v < 0x80) {
      out.push_back(static_cast<char>(v));
      break;
    }
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
  }
  const size_t at = out.size();
  out.resize(at + n);
  stanza.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out.data() + at));
  return out;
}

std::string entryOf(const Outbound& what, const std::string& xml) {
  v1::ResumableStanza e;
  switch (what.kind) {
    case Outbound::Kind::kRouted:
      return routedEntryOf(what.stanza);
    case Outbound::Kind::kOffline:
      e.set_kind(v1::ResumableStanza::KIND_OFFLINE);
      e.set_xml(xml);
      e.set_offline_id(what.offlineId);
      e.set_offline_user(what.offlineUser);
      break;
    case Outbound::Kind::kOther:
      e.set_kind(v1::ResumableStanza::KIND_OTHER);
      e.set_xml(xml);
      break;
  }
  return e.SerializeAsString();
}

// A stored stanza back: what it is, and its bytes.
bool outboundOf(const std::string& entry, Outbound& what, std::string& xml) {
  v1::ResumableStanza e;
  if (!e.ParseFromString(entry)) return false;
  switch (e.kind()) {
    case v1::ResumableStanza::KIND_ROUTED:
      what = Outbound::routed(e.stanza());
      stanza::toXml(what.stanza, xml);
      return true;
    case v1::ResumableStanza::KIND_OFFLINE:
      what = Outbound::offline(e.offline_id(), e.offline_user());
      xml = e.xml();
      return true;
    default:
      what = Outbound::other();
      xml = e.xml();
      return true;
  }
}

}  // namespace

void C2sSession::enableStreamManagement(bool resume, uint32_t max) {
  sm_.enable(config_.sm);
  if (!resume || resumeStore_ == nullptr || config_.sm.resumeMax.count() <= 0) {
    writeOrdered("<enabled xmlns=\"urn:xmpp:sm:3\"/>");
    return;
  }
  std::chrono::seconds m = config_.sm.resumeMax;
  if (max > 0 && std::chrono::seconds(max) < m) m = std::chrono::seconds(max);
  smId_ = randomHex(kResumeIdBytes);
  resumable_ = true;
  // Written once the state exists: every stanza after it is stored behind it.
  persisting_.push_back({"<enabled xmlns=\"urn:xmpp:sm:3\" id=\"" + smId_ +
                             "\" resume=\"true\" max=\"" + std::to_string(m.count()) + "\"/>",
                         false});
  resumeStore_->create(smId_,
                       {bareJid_, fullJid_, sessionId_, sessionInfo().SerializeAsString(), m,
                        config_.sm.maxUnackedStanzas, config_.sm.maxUnackedBytes},
                       [alive = std::weak_ptr<bool>(alive_), this](ResumeStore::Outcome outcome) {
                         if (alive.expired()) return;
                         if (outcome == ResumeStore::Outcome::kOk || persisting_.empty()) {
                           stored(ResumeStore::Outcome::kOk);
                           return;
                         }
                         // No state: acknowledgements without resumption.
                         persisting_.front().bytes = "<enabled xmlns=\"urn:xmpp:sm:3\"/>";
                         stopResumable();
                       });
  router_.sessionUpdated(sessionInfo());  // the directory knows: a sweep detaches, not ends
  reportResumption("enabled");
}

// --- Stored first, written after -------------------------------------------------------

void C2sSession::persist(const Outbound& what, std::string bytes) {
  std::string entry = entryOf(what, bytes);
  persisting_.push_back({std::move(bytes), false});
  resumeStore_->append(smId_, sessionId_, std::move(entry), sm_.handled(), whenStored());
}

ResumeStore::Done C2sSession::whenStored() {
  return [alive = std::weak_ptr<bool>(alive_), this](ResumeStore::Outcome outcome) {
    if (!alive.expired()) stored(outcome);
  };
}

void C2sSession::stored(ResumeStore::Outcome outcome) {
  if (outcome == ResumeStore::Outcome::kLost) {
    lostToResume();
    return;
  }
  for (auto& p : persisting_) {  // stored, or not (then written all the same)
    if (!p.ready) {
      p.ready = true;
      break;
    }
  }
  if (outcome == ResumeStore::Outcome::kFailed) stopResumable();
  flushStored();
}

void C2sSession::writeOrdered(std::string bytes) {
  if (closed()) return;
  if (persisting_.empty()) {
    transport_.write(std::move(bytes));
  } else {
    persisting_.push_back({std::move(bytes), true});
  }
}

void C2sSession::flushStored() {
  while (!persisting_.empty() && persisting_.front().ready) {
    std::string bytes = std::move(persisting_.front().bytes);
    persisting_.pop_front();
    if (!closed()) transport_.write(std::move(bytes));
  }
}

// Redis failed: the session goes on, acknowledged but not resumable; what waited is written.
void C2sSession::stopResumable() {
  if (!resumable_) return;
  resumable_ = false;
  reportResumption("store-failed");
  for (auto& p : persisting_) p.ready = true;
  flushStored();
  resumeStore_->release(smId_, sessionId_);
  if (!closed()) router_.sessionUpdated(sessionInfo());
}

void C2sSession::announceUpdate() {
  router_.sessionUpdated(sessionInfo());
  if (!resumable_) return;
  resumeStore_->update(smId_, sessionId_, sessionInfo().SerializeAsString(), sm_.handled(),
                       [alive = std::weak_ptr<bool>(alive_), this](ResumeStore::Outcome o) {
                         if (alive.expired() || o == ResumeStore::Outcome::kOk) return;
                         stored(o);
                       });
}

void C2sSession::persistHandled() {
  if (!resumable_) return;
  resumeStore_->ack(smId_, sessionId_, 0, sm_.clientHandled(), sm_.handled(),
                    [alive = std::weak_ptr<bool>(alive_), this](ResumeStore::Outcome o) {
                      if (alive.expired() || o == ResumeStore::Outcome::kOk) return;
                      stored(o);
                    });
}

// --- Detached, lost ---------------------------------------------------------------------

void C2sSession::detach() {
  state_ = State::kClosed;
  held_.clear();
  if (ended_) return;
  ended_ = true;
  returnHeld("csi-held-presence");  // never sent: the router routes them anew
  persisting_.clear();              // stored (or being stored): sent again on resume
  reportResumption("detached");
  resumeStore_->detach(smId_, sessionId_, sm_.handled(),
                       [alive = std::weak_ptr<bool>(alive_), this](ResumeStore::Outcome o) {
                         if (alive.expired()) return;
                         if (o == ResumeStore::Outcome::kOk) {
                           v1::SessionEnded ended;
                           ended.set_session_id(sessionId_);
                           ended.set_full_jid(fullJid_);
                           ended.set_was_available(available_);
                           ended.set_detached(true);
                           router_.sessionEnded(ended);
                         } else if (o == ResumeStore::Outcome::kFailed) {
                           // Not resumable after all: the session ends as any other.
                           resumable_ = false;
                           ended_ = false;
                           endSession();
                         }
                         // kLost: resumed elsewhere already; that stream has it all.
                       });
}

void C2sSession::lostToResume() {
  if (ended_ && closed()) return;
  returnHeld("csi-held-presence");  // never sent: the router routes them to the new stream
  resumable_ = false;
  persisting_.clear();
  ended_ = true;  // no sessionEnded, nothing handed back: the resumed stream has it
  reportResumption("taken-over");
  if (!closed()) {
    streamError({stream::StreamErrorCondition::kConflict, "Resumed on another connection"}, true);
  }
}

// --- Resume -----------------------------------------------------------------------------

void C2sSession::resumeStream(std::string previd, uint32_t h) {
  if (resumeStore_ == nullptr || config_.sm.resumeMax.count() <= 0) {
    resumeFailed("item-not-found");
    return;
  }
  suspendForAuth();  // nothing is read until the store answers
  resumeStore_->takeover(
      previd, bareJid_, sessionId_, h,
      [alive = std::weak_ptr<bool>(alive_), this, previd, h](ResumeStore::Resumed taken) {
        if (alive.expired()) return;
        if (closed()) {
          authPending_ = false;
          // Taken for a stream that is gone meanwhile: detached again, for the next try.
          if (taken.result == ResumeStore::Resumed::Result::kTaken) {
            resumeStore_->detach(previd, sessionId_, taken.inbound, [](ResumeStore::Outcome) {});
          }
          return;
        }
        resumeTaken(previd, h, std::move(taken));
        authAnswered();
      });
}

void C2sSession::resumeTaken(const std::string& previd, uint32_t h, ResumeStore::Resumed taken) {
  using R = ResumeStore::Resumed::Result;
  if (taken.result != R::kTaken) {
    resumeFailed(taken.result == R::kBusy     ? "unexpected-request"
                 : taken.result == R::kFailed ? "internal-server-error"
                                              : "item-not-found");
    return;
  }
  v1::SessionInfo info;
  auto full = jid::Jid::parse(taken.fullJid);
  if (!info.ParseFromString(taken.info) || !full || full->bareStr() != bareJid_) {
    resumeStore_->detach(previd, sessionId_, taken.inbound, [](ResumeStore::Outcome) {});
    resumeFailed("item-not-found");
    return;
  }
  std::vector<std::pair<Outbound, size_t>> unacked;
  for (const std::string& entry : taken.unacked) {
    Outbound what;
    std::string xml;
    if (!outboundOf(entry, what, xml)) continue;
    unacked.emplace_back(std::move(what), xml.size());
    resend_.push_back(std::move(xml));
  }
  smId_ = previd;
  resumable_ = true;
  resuming_ = true;
  fullJid_ = full->str();
  available_ = info.available();
  priority_ = info.priority();
  interested_ = info.interested();
  if (info.has_presence()) lastPresence_ = std::make_unique<v1::Stanza>(info.presence());
  sm_.restore(config_.sm, taken.inbound, h, std::move(unacked));
  // Bound in the old session's place: the router's answer brings <resumed/> (onBindResult).
  state_ = State::kBinding;
  bindRequested_ = true;
  std::string resumed =
      "<resumed xmlns=\"urn:xmpp:sm:3\" h=\"" + std::to_string(taken.inbound) + "\" previd=\"";
  xml::appendEscapedAttribute(resumed, previd);
  resumed += "\"/>";
  bind_ = {std::move(resumed), {}, {}};
  decoder_->pause();
  decoderPaused_ = true;
  transport_.flushAfter(kResumeBindTimeout);
  v1::SessionInfo bound = sessionInfo();
  bound.set_resumes(taken.previousSessionId);
  router_.sessionBound(bound);
}

// After <resumed/>: what the client had not acknowledged, in order (stored already).
void C2sSession::finishResume() {
  resuming_ = false;
  for (std::string& xml : std::exchange(resend_, {})) writeOrdered(std::move(xml));
  reportResumption("resumed");
  if (sm_.requestAck()) writeOrdered("<r xmlns=\"urn:xmpp:sm:3\"/>");
}

void C2sSession::resumeFailed(std::string_view condition) {
  std::string out;
  appendSmFailed(out, condition);
  send(std::move(out));
  reportResumption(condition == "item-not-found" ? "failed-not-found" : "failed");
}

}  // namespace xmpp::gateway

// C2sSession, the bound stream's client side: each client stanza checked, stamped with the
// session's full JID and handed to the router (or answered here: a second bind, the legacy
// session iq, a router backlog that refuses it), and the session's presence state (priority,
// availability, interest, the last presence kept for probes) as the directory sees it
// (c2s_session.cpp: the stream's lifecycle; c2s_delivery.cpp: the router's side).

#include <charconv>

#include "c2s_session.hpp"
#include "replies.hpp"
#include "xmpp/stanza/codec.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/stream/stream_error.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::gateway {
namespace {

using C = stream::StreamErrorCondition;

std::string_view trimmed(std::string_view s) {
  constexpr std::string_view kWs = " \t\r\n";
  const size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kWs) - b + 1);
}

}  // namespace

void C2sSession::routeStanza(xml::Element element, std::string_view name) {
  const bool isIq = name == "iq";
  const bool isPresence = name == "presence";
  if (!isIq && !isPresence && name != "message") {
    streamError({C::kUnsupportedStanzaType, {}});
    return;
  }
  v1::Stanza s = stanza::toProto(element);
  if (isIq && !pingId_.empty() && s.id() == pingId_ &&
      (s.type() == "result" || s.type() == "error") && isServerAddress(s.to())) {
    pingId_.clear();  // the answer to our ping: the peer is alive (any answer will do)
    return;
  }
  if (isIq && proofAnswered(s)) return;
  if (isIq) {
    const v1::Element* payload = stanza::firstChildElement(s.element());
    if (payload != nullptr && payload->name() == "bind" && payload->ns() == ns::kBind) {
      sendStanzaError(s, errors::kNotAllowed);  // one resource per stream
      return;
    }
    if (payload != nullptr && payload->name() == "session" && payload->ns() == ns::kSession &&
        s.type() == "set" && isServerAddress(s.to())) {
      std::string out;
      appendIqResult(out, s.id(), s.to());
      sendStanza(std::move(out), Outbound::other());
      return;
    }
  }
  if (!s.to().empty()) {
    auto to = jid::Jid::parse(s.to());
    if (!to) {
      if (s.type() != "error") sendStanzaError(s, errors::kJidMalformed);  // never answer an error
      return;
    }
    if (to->str() != s.to()) s.set_to(to->str());  // the router sees prepared addresses
  }
  s.set_from(fullJid_);  // whatever the client claimed
  if (isPresence && s.to().empty()) {
    if (!updatePresence(s)) return;
  } else if (isIq && s.type() == "get" && !interested_ && (s.to().empty() || s.to() == bareJid_)) {
    const v1::Element* payload = stanza::firstChildElement(s.element());
    if (payload != nullptr && payload->name() == "query" && payload->ns() == ns::kRoster) {
      interested_ = true;  // RFC 6121 §2.1.6: roster pushes go to interested resources
      announceUpdate();
    }
  }
  if (!router_.stanza(sessionId_, bareJid_, s)) refused(s);
}

// The router backlog is full (issue 9, case 4): a message or iq is answered with a 'wait'
// error (RFC 6120 §8.3.3.18), an error or a presence is given up on, counted and logged.
void C2sSession::refused(const v1::Stanza& s) {
  if (s.type() != "error" && s.kind() != v1::STANZA_KIND_PRESENCE) {
    std::string out;
    appendStanzaError(out, s.element().name(), s.id(), s.to(), errors::kResourceConstraint);
    sendStanza(std::move(out), Outbound::other());
  }
  const std::string_view what = s.kind() == v1::STANZA_KIND_PRESENCE || s.type() == "error"
                                    ? "router-backlog-full"
                                    : "router-backlog-refused";
  reportDropped(what, 1);
}

namespace {
// The last presence is stored in the session directory and answers every probe (issue 9,
// case 13): past `max` bytes only its RFC 6121 parts (<show/>, <priority/>, a short
// <status/>) and entity capabilities (XEP-0115 <c/>) are kept.
void boundStoredPresence(v1::Stanza& presence, size_t max) {
  if (max == 0 || presence.ByteSizeLong() <= max) return;
  google::protobuf::RepeatedPtrField<v1::Node> kept;
  for (auto& child : *presence.mutable_element()->mutable_children()) {
    if (!child.has_element()) continue;
    const std::string& name = child.element().name();
    const bool core =
        child.element().ns() == ns::kClient && (name == "show" || name == "priority" ||
                                                (name == "status" && child.ByteSizeLong() <= 1024));
    const bool caps = name == "c" && child.element().ns() == "http://jabber.org/protocol/caps" &&
                      child.ByteSizeLong() <= 1024;
    if (core || caps) *kept.Add() = std::move(child);
  }
  presence.mutable_element()->mutable_children()->Swap(&kept);
}
}  // namespace

bool C2sSession::updatePresence(const v1::Stanza& presence) {
  if (presence.type() == "unavailable") {
    available_ = false;
    lastPresence_.reset();
  } else if (presence.type().empty()) {
    int32_t priority = 0;
    const v1::Element* p = stanza::findChild(presence.element(), "priority", ns::kClient);
    if (p != nullptr) {
      const std::string text = stanza::text(*p);
      std::string_view digits = trimmed(text);
      if (digits.starts_with('+')) digits.remove_prefix(1);  // xs:byte allows a plus sign
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), priority);
      if (ec != std::errc{} || end != digits.data() + digits.size() || priority < -128 ||
          priority > 127) {
        sendStanzaError(presence, errors::kBadRequest);  // RFC 6121 §4.7.2.3
        return false;
      }
    }
    available_ = true;
    priority_ = priority;
    if (!lastPresence_) lastPresence_ = std::make_unique<v1::Stanza>();
    *lastPresence_ = presence;
    boundStoredPresence(*lastPresence_, config_.maxStoredPresenceBytes);
  } else {
    return true;  // subscribe/probe/error without 'to': the router's business
  }
  announceUpdate();
  return true;
}

v1::SessionInfo C2sSession::sessionInfo() const {
  v1::SessionInfo info;
  info.set_session_id(sessionId_);
  info.set_gateway_id(config_.gatewayId);
  info.set_full_jid(fullJid_);
  info.set_priority(priority_);
  info.set_available(available_);
  info.set_interested(interested_);
  if (available_ && lastPresence_) *info.mutable_presence() = *lastPresence_;
  if (resumable_) info.set_sm_id(smId_);
  return info;
}

}  // namespace xmpp::gateway

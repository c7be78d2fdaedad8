// Message routing (RFC 6120 §10, RFC 6121 §8.5): full JID -> that session; bare JID -> the
// highest-priority available resources; nobody -> the undeliverable hooks (offline storage)
// or an error.

#include <utility>

#include "router_core.hpp"

namespace xmpp::router {

void RouterCore::handleMessage(const Sender& sender, v1::Stanza message) {
  jid::Jid to;
  if (message.to().empty()) {
    // RFC 6120 §10.3.1: as if addressed to the sender's own bare JID.
    to = sender.jid.bare();
    message.set_to(sender.bare);
  } else {
    auto parsed = jid::Jid::parse(message.to());
    if (!parsed) {
      bounce(&sender, message, errors::jidMalformed());
      return;
    }
    to = *std::move(parsed);
  }
  OutboundMessage outbound{sender, message, to};
  if (registry_.runOutbound(outbound) == HookResult::kStop) return;  // a module answered it
  if (routedToService(&sender, message, to)) return;
  if (!isLocal(to)) {
    bounce(&sender, message, errors::remoteServerNotFound());  // no server-to-server yet
    return;
  }
  if (to.local().empty()) {
    bounce(&sender, message, errors::serviceUnavailable());  // the server handles no messages
    return;
  }
  if (!interactionAllowed(&sender, message, sender.jid, to)) return;
  auto sessions = sessionsOf(to.bareStr());
  if (!sessions) {
    bounce(&sender, message, errors::temporarilyUnavailable());
    return;
  }
  routeToSessions(&sender, std::move(message), to, *sessions);
}

void RouterCore::routeToSessions(const Sender* sender, v1::Stanza message, const jid::Jid& to,
                                 const SessionMap& sessions) {
  if (to.isFull()) {
    // RFC 6121 §8.5.3.1: a connected resource gets it, available or not, whatever the type.
    if (auto it = sessions.find(to.resource()); it != sessions.end()) {
      const SessionList targets{&it->second};
      deliver(message, targets);
      registry_.runDelivered({sender, message, to, sessions, targets});
      return;
    }
  }
  // RFC 6121 §8.5.3.2.1: no such resource -> as if sent to the bare JID.
  routeToBareJid(sender, std::move(message), to, sessions);
}

void RouterCore::routeToBareJid(const Sender* sender, v1::Stanza message, const jid::Jid& to,
                                const SessionMap& sessions) {
  const MessageType type = messageType(message.type());
  switch (type) {
    case MessageType::kError:
      countDrop();  // RFC 6121 §8.5.2.1.1: silently ignored
      return;
    case MessageType::kGroupchat:
      bounce(sender, message, errors::serviceUnavailable());
      return;
    default:
      break;
  }
  if (auto targets = messageTargets(sessions, type); !targets.empty()) {
    deliver(message, targets);
    registry_.runDelivered({sender, message, to, sessions, targets});
    return;
  }
  if (type == MessageType::kHeadline) {
    countDrop();  // RFC 6121 §8.5.2.1.1: headlines are not stored
    return;
  }
  // A bare JID with sessions in the directory is an account.
  undeliverable(sender, message, to.bare(), !sessions.empty());
}

void RouterCore::undeliverable(const Sender* sender, const v1::Stanza& message,
                               const jid::Jid& user, bool accountKnown) {
  if (registry_.runUndeliverable({sender, message, user, accountKnown}) == HookResult::kStop) {
    return;
  }
  bounce(sender, message, errors::serviceUnavailable());  // RFC 6121 §8.5.2.1.1
}

}  // namespace xmpp::router

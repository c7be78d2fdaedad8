// Carrying out what the userdata service decided (RosterEffects, SubscriptionResponse): roster
// pushes, subscription stanzas routed to local contacts (processed there as inbound), and
// presence sent because a subscription was granted or cancelled.

#include <utility>

#include "router_core.hpp"
#include "router_stanzas.hpp"

namespace xmpp::router {

void RouterCore::applyEffects(const v1::RosterEffects& effects, const std::string& user,
                              const Sender* origin, int depth) {
  for (const auto& push : effects.pushes()) sendRosterPush(push);
  for (const auto& stanza : effects.route()) routeSubscription(stanza, origin, depth);
  if (!effects.send_presence_to().empty()) {
    sendPresenceTo(user, effects.send_presence_to(), effects.send_unavailable());
  }
}

void RouterCore::sendRosterPush(const v1::RosterPush& push) {
  auto sessions = sessionsOf(push.user());
  if (!sessions) return;
  // RFC 6121 §2.1.6: to every interested resource, each with its own full JID.
  for (const auto& [resource, s] : *sessions) {
    if (!s.interested()) continue;
    deliver(makeRosterPush(push, s.full_jid(), nextPushId()), {&s});
  }
}

void RouterCore::routeSubscription(const v1::Stanza& stanza, const Sender* origin, int depth) {
  if (depth >= limits_.maxEffectDepth) {
    countDrop();  // a cascade of automatic replies: stop it
    return;
  }
  auto to = jid::Jid::parse(stanza.to());
  auto from = jid::Jid::parse(stanza.from());
  if (!to || !from) {
    countDrop();
    return;
  }
  if (!isLocal(*to) || to->local().empty()) {
    // No server-to-server yet: tell the client that caused it, if there is one.
    if (origin != nullptr) {
      bounce(origin, stanza, errors::remoteServerNotFound());
    } else {
      countDrop();
    }
    return;
  }
  if (!presenceAllowed(from->bareStr(), to->bareStr())) return;  // XEP-0191: also these
  auto exists = accountExists(*to);
  if (!exists) {
    if (origin != nullptr) bounce(origin, stanza, exists.error());
    return;
  }
  const std::string user = to->bareStr();
  if (!*exists) {
    // RFC 6121 §8.5.1: a subscription request to no such user is answered 'unsubscribed'
    // (which also clears the requester's pending-out state); the other types are ignored.
    if (stanza.type() == "subscribe") {
      routeSubscription(makeStanza(v1::STANZA_KIND_PRESENCE, user, from->bareStr(), "unsubscribed"),
                        nullptr, depth + 1);
    } else {
      countDrop();
    }
    return;
  }
  v1::SubscriptionRequest request;
  request.set_user(user);
  request.set_contact(from->bareStr());
  request.set_direction(v1::SubscriptionRequest::DIRECTION_INBOUND);
  request.set_type(stanza.type());
  *request.mutable_stanza() = stanza;
  v1::SubscriptionResponse response;
  const BackendStatus status = roster_.processSubscription(request, &response);
  if (!status) {
    countBackendError();
    if (origin != nullptr) bounce(origin, stanza, fromBackendError(status.error()));
    return;
  }
  if (!response.deliver().empty()) {
    // Inbound subscription stanzas go to all available resources (RFC 6121 §3.1.3); none
    // available: the userdata service keeps a 'subscribe' pending for the next login.
    if (auto sessions = sessionsOf(user)) {
      const SessionList targets = availableSessions(*sessions);
      for (const auto& d : response.deliver()) deliver(d, targets);
    }
  }
  applyEffects(response.effects(), user, nullptr, depth + 1);
}

void RouterCore::sendPresenceTo(const std::string& user, const std::string& contact,
                                bool unavailable) {
  auto to = jid::Jid::parse(contact);
  if (!to || !isLocal(*to) || to->local().empty()) return;  // remote: no server-to-server yet
  const std::string contactBare = to->bareStr();
  auto all = directory_.sessionsOf({user, contactBare});
  if (!all) {
    countBackendError();
    return;
  }
  auto contactIt = all->find(contactBare);
  auto userIt = all->find(user);
  if (contactIt == all->end() || userIt == all->end()) return;
  const SessionList targets = availableSessions(contactIt->second);
  if (targets.empty()) return;
  // RFC 6121 §3.2.2 / §3.3.2: from each of the user's available resources.
  for (const auto* s : availableSessions(userIt->second)) {
    deliver(unavailable
                ? makeStanza(v1::STANZA_KIND_PRESENCE, s->full_jid(), contactBare, "unavailable")
                : lastPresence(*s, contactBare),
            targets);
  }
}

}  // namespace xmpp::router

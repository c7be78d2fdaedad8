// Presence (RFC 6121 §4): broadcasts to subscribers and the user's own resources, initial
// presence with its probes and backlog, directed presence, unavailable presence.

#include <algorithm>
#include <set>
#include <utility>

#include "router_core.hpp"
#include "router_stanzas.hpp"

namespace xmpp::router {
namespace {

bool isSubscriptionType(std::string_view type) {
  return type == "subscribe" || type == "subscribed" || type == "unsubscribe" ||
         type == "unsubscribed";
}

const SessionMap& sessionsIn(
    const std::map<std::string, std::map<std::string, v1::SessionInfo>>& all,
    const std::string& bare) {
  static const SessionMap kNone;
  auto it = all.find(bare);
  return it == all.end() ? kNone : it->second;
}

v1::Stanza addressedTo(const v1::Stanza& presence, const std::string& to) {
  v1::Stanza copy = presence;
  copy.set_to(to);
  return copy;
}

}  // namespace

void RouterCore::handlePresence(const Sender& sender, v1::Stanza presence) {
  const std::string type = presence.type();
  if (presence.to().empty()) {
    if (type.empty() || type == "unavailable") registry_.runBroadcastPresence(sender, presence);
    if (type.empty()) {
      broadcastAvailable(sender, std::move(presence));
    } else if (type == "unavailable") {
      sessions_.endPresence(sender.sessionId);
      broadcastUnavailable(sender.sessionId, sender.jid, std::move(presence), sender.sessionId);
    } else {
      countDrop();  // subscriptions, probes and errors need an addressee
    }
    return;
  }
  auto to = jid::Jid::parse(presence.to());
  if (!to) {
    bounce(&sender, presence, errors::jidMalformed());
    return;
  }
  if (routedToService(&sender, presence, *to)) return;
  if (isSubscriptionType(type)) {
    outboundSubscription(sender, std::move(presence), *to);
  } else if (type.empty() || type == "unavailable") {
    directedPresence(sender, std::move(presence), *to);
  } else if (type == "error") {
    if (!isLocal(*to) || to->local().empty()) {
      countDrop();
      return;
    }
    if (auto sessions = sessionsOf(to->bareStr())) deliverPresenceTo(presence, *to, *sessions);
  } else {
    countDrop();  // 'probe' comes from servers, not clients (RFC 6121 §4.3); unknown types
  }
}

void RouterCore::deliverPresenceTo(const v1::Stanza& presence, const jid::Jid& to,
                                   const SessionMap& sessions) {
  if (to.isFull()) {
    auto it = sessions.find(to.resource());
    if (it != sessions.end()) {
      deliver(presence, {&it->second});
    } else {
      countDrop();  // RFC 6121 §8.5.3.2.3: presence to an unknown resource is ignored
    }
    return;
  }
  deliver(presence, availableSessions(sessions));  // RFC 6121 §8.5.2.1.2: all available
}

void RouterCore::broadcastAvailable(const Sender& sender, v1::Stanza presence) {
  const bool initial = sessions_.startPresence(sender.sessionId, sender.jid.str());
  bool complete = true;  // false: the initial work failed; the next presence retries it

  v1::UserRequest user;
  user.set_user(sender.bare);
  v1::PresenceTargetsResponse targets;
  if (!roster_.presenceTargets(user, &targets)) {
    countBackendError();
    targets.Clear();
    complete = false;
  }
  auto localContacts = [&](const auto& list) {
    std::vector<std::string> out;
    for (const auto& c : list) {
      auto j = jid::Jid::parse(c);
      if (j && isLocal(*j) && !j->local().empty() && j->bareStr() != sender.bare) {
        out.push_back(j->bareStr());  // remote contacts wait for server-to-server
      }
    }
    return out;
  };
  const std::vector<std::string> subscribers = localContacts(targets.broadcast());
  const std::vector<std::string> probes =
      initial ? localContacts(targets.probe()) : std::vector<std::string>{};

  // One directory round trip for the whole fan-out (DESIGN-NOTES "Presence fan-out").
  std::set<std::string> bares(subscribers.begin(), subscribers.end());
  bares.insert(probes.begin(), probes.end());
  bares.insert(sender.bare);
  auto all = directory_.sessionsOf({bares.begin(), bares.end()});
  if (!all) {
    countBackendError();
    if (initial) sessions_.endPresence(sender.sessionId);
    return;
  }

  // Each subscriber's available resources, and (RFC 6121 §4.2.2 / §4.4.2) every available
  // resource of the user, the sender included: one delivery per gateway for them all, each
  // copy addressed to its recipient's bare JID by the gateway.
  SessionList recipients;
  for (const auto& contact : subscribers) {
    if (!presenceAllowed(sender.bare, contact)) continue;
    for (const auto* s : availableSessions(sessionsIn(*all, contact))) recipients.push_back(s);
  }
  const SessionMap& own = sessionsIn(*all, sender.bare);
  for (const auto& [resource, s] : own) {
    if (s.available() || s.session_id() == sender.sessionId) recipients.push_back(&s);
    if (s.session_id() == sender.sessionId) {
      sessions_.add(sender.sessionId, s.gateway_id(), sender.jid.str());
    }
  }
  deliverToEach(presence, recipients);

  const int priority = presencePriority(presence);
  if (initial) {
    // Probes answered from the directory: what a contact's server answers to a probe
    // (RFC 6121 §4.3.2) is the last presence of each of the contact's available resources.
    for (const auto& contact : probes) {
      if (!presenceAllowed(contact, sender.bare)) continue;
      for (const auto* s : availableSessions(sessionsIn(*all, contact))) {
        deliverToSender(sender, lastPresence(*s, sender.jid.str()));
      }
    }
    for (const auto* s : availableSessions(own)) {
      if (s->session_id() != sender.sessionId) {
        deliverToSender(sender, lastPresence(*s, sender.jid.str()));
      }
    }
    // RFC 6121 §3.1.3: subscription requests still unanswered are delivered at each login.
    v1::PendingSubscriptionsResponse pending;
    if (roster_.pendingSubscriptions(user, &pending)) {
      for (const auto& s : pending.stanzas()) deliverToSender(sender, s);
    } else {
      countBackendError();
      complete = false;
    }
    if (!complete) sessions_.endPresence(sender.sessionId);
  }
  registry_.runAvailablePresence(sender, priority);
}

void RouterCore::broadcastUnavailable(const std::string& sessionId, const jid::Jid& from,
                                      v1::Stanza presence, const std::string& echoSession) {
  const std::string user = from.bareStr();
  presence.set_from(from.str());

  v1::UserRequest request;
  request.set_user(user);
  v1::PresenceTargetsResponse targets;
  if (!roster_.presenceTargets(request, &targets)) {
    countBackendError();
    targets.Clear();
  }
  std::set<std::string> subscribers;
  for (const auto& c : targets.broadcast()) {
    auto j = jid::Jid::parse(c);
    if (j && isLocal(*j) && !j->local().empty() && j->bareStr() != user) {
      subscribers.insert(j->bareStr());
    }
  }
  // Directed presence (RFC 6121 §4.6.3) to whoever the broadcast does not reach anyway.
  std::vector<jid::Jid> directed;
  for (const auto& t : directed_.take(sessionId)) {
    auto j = jid::Jid::parse(t);
    if (!j || !isLocal(*j) || j->local().empty()) continue;
    if (j->bareStr() == user || subscribers.contains(j->bareStr())) continue;
    directed.push_back(*std::move(j));
  }

  std::set<std::string> bares = subscribers;
  for (const auto& j : directed) bares.insert(j.bareStr());
  bares.insert(user);
  auto all = directory_.sessionsOf({bares.begin(), bares.end()});
  if (!all) {
    countBackendError();
    return;
  }
  SessionList recipients;  // as in broadcastAvailable: one delivery per gateway
  for (const auto& contact : subscribers) {
    if (!presenceAllowed(user, contact)) continue;
    for (const auto* s : availableSessions(sessionsIn(*all, contact))) recipients.push_back(s);
  }
  for (const auto& [resource, s] : sessionsIn(*all, user)) {
    if (s.session_id() == sessionId ? s.session_id() == echoSession : s.available()) {
      recipients.push_back(&s);
    }
  }
  deliverToEach(presence, recipients);
  for (const auto& j : directed) {
    if (!presenceAllowed(user, j.bareStr())) continue;
    deliverPresenceTo(addressedTo(presence, j.str()), j, sessionsIn(*all, j.bareStr()));
  }
}

void RouterCore::unavailableToDirected(const std::string& sessionId, const jid::Jid& from) {
  std::vector<jid::Jid> targets;
  std::vector<std::string> bares;
  for (const auto& t : directed_.take(sessionId)) {
    auto j = jid::Jid::parse(t);
    if (!j || !isLocal(*j) || j->local().empty()) continue;
    bares.push_back(j->bareStr());
    targets.push_back(*std::move(j));
  }
  if (targets.empty()) return;
  auto all = directory_.sessionsOf(bares);
  if (!all) {
    countBackendError();
    return;
  }
  const v1::Stanza presence = makeStanza(v1::STANZA_KIND_PRESENCE, from.str(), {}, "unavailable");
  for (const auto& j : targets) {
    deliverPresenceTo(addressedTo(presence, j.str()), j, sessionsIn(*all, j.bareStr()));
  }
}

void RouterCore::directedPresence(const Sender& sender, v1::Stanza presence, const jid::Jid& to) {
  if (!isLocal(to)) {
    bounce(&sender, presence, errors::remoteServerNotFound());  // no server-to-server yet
    return;
  }
  if (to.local().empty()) {
    countDrop();  // presence to the server itself: nothing to do
    return;
  }
  if (!interactionAllowed(&sender, presence, sender.jid, to)) return;
  auto sessions = sessionsOf(to.bareStr());
  if (!sessions) return;
  deliverPresenceTo(presence, to, *sessions);
  if (presence.type().empty()) {
    directed_.add(sender.sessionId, to.str());
  } else {
    directed_.remove(sender.sessionId, to.str());
  }
}

void RouterCore::outboundSubscription(const Sender& sender, v1::Stanza presence,
                                      const jid::Jid& to) {
  v1::SubscriptionRequest request;
  request.set_user(sender.bare);
  request.set_contact(to.str());  // the userdata service reduces it to the bare JID
  request.set_direction(v1::SubscriptionRequest::DIRECTION_OUTBOUND);
  request.set_type(presence.type());
  *request.mutable_stanza() = presence;
  v1::SubscriptionResponse response;
  const BackendStatus status = roster_.processSubscription(request, &response);
  if (!status) {
    if (status.error().kind != BackendError::Kind::kRefused) {
      countBackendError();
    }
    bounce(&sender, presence, fromBackendError(status.error()));
    return;
  }
  applyEffects(response.effects(), sender.bare, &sender, 0);
}

}  // namespace xmpp::router

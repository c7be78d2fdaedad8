// IQ (RFC 6120 §8.2.3, §10.3-10.5): to a full JID -> routed unchanged; to the server or an
// account -> the module handler registered for (type, payload namespace, payload name).

#include <utility>

#include "router_core.hpp"
#include "router_stanzas.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::router {

void RouterCore::handleIq(const Sender& sender, v1::Stanza iq) {
  const std::string& type = iq.type();
  const bool request = type == "get" || type == "set";
  if (!request && type != "result" && type != "error") {
    bounce(&sender, iq, errors::badRequest());  // RFC 6120 §8.2.3: the type is required
    return;
  }
  IqTarget target = kToNobody;
  jid::Jid account = sender.jid.bare();
  if (!iq.to().empty()) {
    auto to = jid::Jid::parse(iq.to());
    if (!to) {
      request ? bounce(&sender, iq, errors::jidMalformed()) : countDrop();
      return;
    }
    if (routedToService(&sender, iq, *to)) return;
    if (!isLocal(*to)) {
      request ? bounce(&sender, iq, errors::remoteServerNotFound()) : countDrop();
      return;
    }
    if (!to->local().empty() && to->bareStr() != sender.bare &&
        !interactionAllowed(&sender, iq, sender.jid, *to)) {
      return;
    }
    if (to->isFull()) {
      if (to->local().empty()) {
        request ? bounce(&sender, iq, errors::serviceUnavailable()) : countDrop();
      } else {
        routeIqToFullJid(sender, std::move(iq), *to);
      }
      return;
    }
    if (to->local().empty()) {
      target = kToDomain;
    } else if (to->bareStr() == sender.bare) {
      target = kToOwnBare;
    } else {
      target = kToOtherBare;
      account = *to;
    }
  }
  if (!request) {
    countDrop();  // results and errors for the server or an account: nobody is waiting
    return;
  }
  const v1::Element* payload = stanza::firstChildElement(iq.element());
  if (payload == nullptr) {
    bounce(&sender, iq, errors::badRequest());  // RFC 6120 §8.2.3: get/set has one child
    return;
  }
  const ModuleRegistry::IqEntry* handler = registry_.findIq(type, payload->ns(), payload->name());
  if (handler == nullptr || (handler->targets & target) == 0) {
    bounce(&sender, iq, errors::serviceUnavailable());
    return;
  }
  IqAnswer answer = handler->handler(IqRequest{sender, iq, *payload, target, account});
  if (!answer && answer.error().condition.empty()) return;  // alreadyAnswered()
  if (!answer) {
    bounce(&sender, iq, answer.error());
    return;
  }
  v1::Stanza result = makeIqResult(iq);
  if (answer->has_value()) {
    *result.mutable_element()->add_children()->mutable_element() = std::move(**answer);
  }
  deliverToSender(sender, result);
}

void RouterCore::routeIqToFullJid(const Sender& sender, v1::Stanza iq, const jid::Jid& to) {
  const bool request = iq.type() == "get" || iq.type() == "set";
  auto sessions = sessionsOf(to.bareStr());
  if (!sessions) {
    request ? bounce(&sender, iq, errors::temporarilyUnavailable()) : countDrop();
    return;
  }
  auto it = sessions->find(to.resource());
  if (it == sessions->end()) {
    // RFC 6121 §8.5.3.2.1 (and §8.5.1 for no such user): service-unavailable.
    request ? bounce(&sender, iq, errors::serviceUnavailable()) : countDrop();
    return;
  }
  deliver(iq, {&it->second});  // unchanged: e.g. XEP-0096 file offers and their answers
}

}  // namespace xmpp::router

// IQ (RFC 6120 §8.2.3, §10.3-10.5): to a full JID -> routed unchanged; to the server or an
// account -> a handler chosen by (type, payload namespace, payload name) from one table.

#include <utility>

#include "router_core.hpp"
#include "router_stanzas.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/stanza/payloads.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

#if defined(__linux__)
constexpr std::string_view kOs = "Linux";
#else
constexpr std::string_view kOs = "";
#endif

using IqAnswerT = Expected<std::optional<v1::Element>, StanzaError>;

IqAnswerT emptyResult() { return std::optional<v1::Element>{}; }

IqAnswerT resultWith(v1::Element payload) { return std::optional<v1::Element>(std::move(payload)); }

IqAnswerT failure(StanzaError error) { return unexpected(std::move(error)); }

template <class T>
v1::Element build(const T& payload) {
  v1::Element e;
  e.set_name(std::string(T::kName));
  e.set_ns(std::string(T::kNamespace));
  payload.build(e);
  return e;
}

v1::Element emptyVcard() {
  v1::Element e;
  e.set_name("vCard");
  e.set_ns(std::string(ns::kVcard));
  return e;
}

}  // namespace

std::string RouterCore::iqKey(std::string_view type, std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(type.size() + ns.size() + name.size() + 2);
  key.append(type).append(1, ' ').append(ns).append(1, ' ').append(name);
  return key;
}

RouterCore::IqHandlerTable RouterCore::makeIqHandlers() {
  constexpr unsigned kServer = kToNobody | kToDomain;
  constexpr unsigned kSelf = kToNobody | kToOwnBare;
  return {
      {iqKey("get", ns::kRoster, "query"), {kSelf, &RouterCore::rosterGet}},
      {iqKey("set", ns::kRoster, "query"), {kSelf, &RouterCore::rosterSet}},
      {iqKey("get", ns::kDiscoInfo, "query"), {kServer | kToOwnBare, &RouterCore::discoInfo}},
      {iqKey("get", ns::kDiscoItems, "query"), {kServer | kToOwnBare, &RouterCore::discoItems}},
      {iqKey("get", ns::kPing, "ping"), {kServer | kToOwnBare, &RouterCore::ping}},
      {iqKey("get", ns::kVersion, "query"), {kServer, &RouterCore::version}},
      {iqKey("get", ns::kVcard, "vCard"), {kSelf | kToOtherBare, &RouterCore::vcardGet}},
      {iqKey("set", ns::kVcard, "vCard"), {kSelf, &RouterCore::vcardSet}},
  };
}

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
    if (!isLocal(*to)) {
      request ? bounce(&sender, iq, errors::remoteServerNotFound()) : countDrop();
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
  auto handler = iqHandlers_.find(iqKey(type, payload->ns(), payload->name()));
  if (handler == iqHandlers_.end() || (handler->second.targets & target) == 0) {
    bounce(&sender, iq, errors::serviceUnavailable());
    return;
  }
  IqAnswer answer = (this->*(handler->second.fn))(IqRequest{sender, iq, *payload, target, account});
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

RouterCore::IqAnswer RouterCore::rosterGet(const IqRequest& request) {
  auto query = stanza::RosterQuery::parse(request.payload);
  v1::GetRosterRequest get;
  get.set_user(request.account.bareStr());
  const bool versioned = query && query->ver.has_value();
  if (versioned) {
    get.set_version(*query->ver);
    get.set_has_version(true);
  }
  v1::GetRosterResponse roster;
  const grpc::Status status = roster_.getRoster(get, &roster);
  if (!status.ok()) return failure(fromStatus(status));
  markInterested(request.sender);
  // XEP-0237 / RFC 6121 §2.6.3: the client's version is current -> an empty result.
  if (roster.unchanged()) return emptyResult();
  stanza::RosterQuery out;
  if (versioned) out.ver = roster.version();
  for (const auto& item : roster.items()) out.items.push_back(fromProto(item));
  return resultWith(build(out));
}

void RouterCore::markInterested(const Sender& sender) {
  // The gateway reports interest too (SessionUpdate); marking it here makes the pushes that
  // may follow right away reach this session even if that update is still on its way.
  auto sessions = sessionsOf(sender.bare);
  if (!sessions) return;
  auto it = sessions->find(sender.jid.resource());
  if (it == sessions->end() || it->second.session_id() != sender.sessionId ||
      it->second.interested()) {
    return;
  }
  v1::SessionInfo updated = it->second;
  updated.set_interested(true);
  if (!directory_.update(sender.bare, sender.jid.resource(), updated)) countBackendError();
}

RouterCore::IqAnswer RouterCore::rosterSet(const IqRequest& request) {
  auto query = stanza::RosterQuery::parse(request.payload);
  // RFC 6121 §2.3.3: exactly one item.
  if (!query || query->items.size() != 1) return failure(errors::badRequest());
  v1::SetItemRequest set;
  set.set_user(request.account.bareStr());
  *set.mutable_item() = toProto(query->items.front());
  v1::RosterEffects effects;
  const grpc::Status status = roster_.setItem(set, &effects);
  if (!status.ok()) return failure(fromStatus(status));
  // The pushes go out before the result, as in RFC 6121 §2.3.2's example.
  applyEffects(effects, request.account.bareStr(), &request.sender, 0);
  return emptyResult();
}

RouterCore::IqAnswer RouterCore::discoInfo(const IqRequest& request) {
  if (!stanza::attribute(request.payload, "node").empty()) {
    return failure(stanzaError("item-not-found"));
  }
  stanza::DiscoInfo info;
  if (request.target == kToOwnBare) {
    // XEP-0030 §3.1 on an account's bare JID: the server answers for the account.
    info.identities.push_back({"account", "registered", {}});
    info.features = {std::string(ns::kDiscoInfo), std::string(ns::kDiscoItems)};
  } else {
    info.identities.push_back({"server", "im", config_.serverName});
    info.features = {std::string(ns::kDiscoInfo), std::string(ns::kDiscoItems),
                     std::string(ns::kRoster),    std::string(ns::kVersion),
                     std::string(ns::kVcard),     std::string(ns::kDelay),
                     std::string(ns::kPing),      "msgoffline"};
  }
  return resultWith(build(info));
}

RouterCore::IqAnswer RouterCore::discoItems(const IqRequest& request) {
  if (!stanza::attribute(request.payload, "node").empty()) {
    return failure(stanzaError("item-not-found"));
  }
  return resultWith(build(stanza::DiscoItems{}));
}

RouterCore::IqAnswer RouterCore::ping(const IqRequest&) { return emptyResult(); }

RouterCore::IqAnswer RouterCore::version(const IqRequest&) {
  return resultWith(
      build(stanza::SoftwareVersion{config_.serverName, config_.serverVersion, std::string(kOs)}));
}

RouterCore::IqAnswer RouterCore::vcardGet(const IqRequest& request) {
  if (request.target == kToOtherBare) {
    auto exists = accountExists(request.account);
    if (!exists) return failure(exists.error());
    if (!*exists) return failure(errors::serviceUnavailable());  // RFC 6121 §8.5.1
  }
  v1::VcardRequest get;
  get.set_user(request.account.bareStr());
  v1::VcardResponse vcard;
  const grpc::Status status = roster_.getVcard(get, &vcard);
  if (!status.ok()) return failure(fromStatus(status));
  // XEP-0054 §3.1: no vCard -> an empty one (item-not-found is the other choice).
  if (!vcard.found()) return resultWith(emptyVcard());
  return resultWith(vcard.vcard());
}

RouterCore::IqAnswer RouterCore::vcardSet(const IqRequest& request) {
  v1::SetVcardRequest set;
  set.set_user(request.account.bareStr());
  *set.mutable_vcard() = request.payload;
  const grpc::Status status = roster_.setVcard(set);
  if (!status.ok()) return failure(fromStatus(status));
  return emptyResult();
}

}  // namespace xmpp::router

#include "stanzas.hpp"

#include "xmpp/xml/namespaces.hpp"

namespace xmpp::roster {

std::string_view toString(storage::Subscription subscription) {
  switch (subscription) {
    case storage::Subscription::kNone:
      return "none";
    case storage::Subscription::kTo:
      return "to";
    case storage::Subscription::kFrom:
      return "from";
    case storage::Subscription::kBoth:
      return "both";
  }
  return "none";
}

stanza::RosterItem toWireItem(const storage::RosterItem& item) {
  stanza::RosterItem out;
  out.jid = item.contact;
  out.name = item.name;
  out.subscription = std::string(toString(item.subscription));
  if (item.askOut) out.ask = "subscribe";
  out.approved = item.approved;
  out.groups = item.groups;
  return out;
}

v1::Stanza makeRosterPush(const RosterPush& push, std::string_view to, std::string_view id) {
  v1::Stanza s;
  s.set_kind(v1::STANZA_KIND_IQ);
  s.set_to(std::string(to));
  s.set_id(std::string(id));
  s.set_type("set");
  s.mutable_element()->set_name("iq");
  s.mutable_element()->set_ns(std::string(ns::kClient));
  stanza::RosterQuery query;
  query.ver = push.version;
  query.items.push_back(push.item);
  stanza::addPayload(s, query);
  return s;
}

v1::Stanza makePresence(std::string_view from, std::string_view to, std::string_view type) {
  v1::Stanza s;
  s.set_kind(v1::STANZA_KIND_PRESENCE);
  s.set_from(std::string(from));
  s.set_to(std::string(to));
  s.set_type(std::string(type));
  s.mutable_element()->set_name("presence");
  s.mutable_element()->set_ns(std::string(ns::kClient));
  return s;
}

std::optional<v1::Stanza> parseStanza(std::string_view bytes) {
  v1::Stanza s;
  if (!s.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  return s;
}

std::string serialize(const v1::Stanza& stanza) {
  std::string out;
  stanza.SerializeToString(&out);
  return out;
}

v1::Stanza subscriptionPresence(std::string_view originalBytes, std::string_view from,
                                std::string_view to, std::string_view type) {
  if (!originalBytes.empty()) {
    auto parsed = parseStanza(originalBytes);
    if (parsed && parsed->kind() == v1::STANZA_KIND_PRESENCE) {
      parsed->set_from(std::string(from));
      parsed->set_to(std::string(to));
      parsed->set_type(std::string(type));
      return *std::move(parsed);
    }
  }
  return makePresence(from, to, type);
}

}  // namespace xmpp::roster

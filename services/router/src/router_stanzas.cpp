#include "router_stanzas.hpp"

#include <algorithm>
#include <charconv>

#include "xmpp/stanza/element.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {

std::string_view kindName(v1::StanzaKind kind) {
  switch (kind) {
    case v1::STANZA_KIND_MESSAGE:
      return "message";
    case v1::STANZA_KIND_PRESENCE:
      return "presence";
    case v1::STANZA_KIND_IQ:
      return "iq";
    default:
      return "";
  }
}

v1::Stanza makeStanza(v1::StanzaKind kind, std::string_view from, std::string_view to,
                      std::string_view type, std::string_view id) {
  v1::Stanza s;
  s.set_kind(kind);
  s.set_from(std::string(from));
  s.set_to(std::string(to));
  s.set_type(std::string(type));
  s.set_id(std::string(id));
  s.mutable_element()->set_name(std::string(kindName(kind)));
  s.mutable_element()->set_ns(std::string(ns::kClient));
  return s;
}

v1::Stanza makeIqResult(const v1::Stanza& request) {
  return makeStanza(v1::STANZA_KIND_IQ, request.to(), request.from(), "result", request.id());
}

v1::Stanza makeRosterPush(const v1::RosterPush& push, std::string_view to, std::string_view id) {
  v1::Stanza s = makeStanza(v1::STANZA_KIND_IQ, {}, to, "set", id);
  stanza::RosterQuery query;
  query.ver = push.version();
  query.items.push_back(fromProto(push.item()));
  stanza::addPayload(s, query);
  return s;
}

v1::Stanza lastPresence(const v1::SessionInfo& session, std::string_view to) {
  v1::Stanza p = session.presence();
  if (p.kind() != v1::STANZA_KIND_PRESENCE || p.element().name().empty()) {
    p = makeStanza(v1::STANZA_KIND_PRESENCE, {}, {}, {});
  }
  p.set_from(session.full_jid());
  p.set_to(std::string(to));
  p.set_type("");
  return p;
}

stanza::RosterItem fromProto(const v1::RosterItem& item) {
  stanza::RosterItem out;
  out.jid = item.jid();
  out.name = item.name();
  out.subscription = item.subscription();
  if (item.ask()) out.ask = "subscribe";
  out.approved = item.approved();
  out.groups.assign(item.groups().begin(), item.groups().end());
  return out;
}

v1::RosterItem toProto(const stanza::RosterItem& item) {
  v1::RosterItem out;
  out.set_jid(item.jid);
  out.set_name(item.name);
  out.set_subscription(item.subscription);
  out.set_ask(item.ask == "subscribe");
  out.set_approved(item.approved);
  for (const auto& g : item.groups) out.add_groups(g);
  return out;
}

int presencePriority(const v1::Stanza& presence) {
  const v1::Element* p = stanza::findChild(presence.element(), "priority", presence.element().ns());
  if (p == nullptr) return 0;
  std::string value = stanza::text(*p);
  const auto first = value.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return 0;
  const auto last = value.find_last_not_of(" \t\r\n");
  const char* begin = value.data() + first;
  const char* end = value.data() + last + 1;
  if (*begin == '+') ++begin;
  long parsed = 0;
  auto [ptr, ec] = std::from_chars(begin, end, parsed);
  if (ec == std::errc::result_out_of_range) return *begin == '-' ? -128 : 127;
  if (ec != std::errc{} || ptr != end) return 0;
  return static_cast<int>(std::clamp(parsed, -128L, 127L));
}

bool isFromOfflineStorage(const v1::Stanza& message, std::string_view domain) {
  for (const auto& c : message.element().children()) {
    if (c.has_element() && c.element().name() == stanza::Delay::kName &&
        c.element().ns() == stanza::Delay::kNamespace &&
        stanza::attribute(c.element(), "from") == domain) {
      return true;
    }
  }
  return false;
}

}  // namespace xmpp::router

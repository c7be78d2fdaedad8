#include "xmpp/stanza/registry.hpp"

namespace xmpp::stanza {

PayloadRegistry PayloadRegistry::standard() {
  PayloadRegistry r;
  r.add<Bind>();
  r.add<Session>();
  r.add<RosterQuery>();
  r.add<DiscoInfo>();
  r.add<DiscoItems>();
  r.add<Ping>();
  r.add<SoftwareVersion>();
  r.add<LegacyAuth>();
  r.add<Delay>();
  return r;
}

std::string PayloadRegistry::key(std::string_view name, std::string_view ns) {
  std::string k;
  k.reserve(name.size() + ns.size() + 1);
  k.append(ns).append(1, ' ').append(name);  // a space never occurs in a namespace URI
  return k;
}

PayloadRegistry::Parser PayloadRegistry::find(std::string_view name, std::string_view ns) const {
  auto it = entries_.find(key(name, ns));
  return it == entries_.end() ? nullptr : it->second;
}

bool PayloadRegistry::contains(std::string_view name, std::string_view ns) const {
  return find(name, ns) != nullptr;
}

std::optional<Payload> PayloadRegistry::parse(const v1::Element& e) const {
  Parser p = find(e.name(), e.ns());
  return p != nullptr ? p(e) : std::nullopt;
}

std::optional<Payload> PayloadRegistry::parseFirst(const v1::Stanza& stanza) const {
  for (const auto& c : stanza.element().children()) {
    if (!c.has_element()) continue;
    if (auto parsed = parse(c.element())) return parsed;
  }
  return std::nullopt;
}

}  // namespace xmpp::stanza

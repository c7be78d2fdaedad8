#include "xmpp/stanza/payloads.hpp"

namespace xmpp::stanza {
namespace {

// Iterates the child elements of `e` named `name` in e's own namespace.
template <class F>
void forEachChild(const v1::Element& e, std::string_view name, F&& f) {
  for (const auto& c : e.children()) {
    if (c.has_element() && c.element().name() == name && c.element().ns() == e.ns()) {
      f(c.element());
    }
  }
}

void setIfNotEmpty(v1::Element& e, std::string_view name, std::string_view value) {
  if (!value.empty()) setAttribute(e, name, value);
}

std::optional<std::string> optionalChildText(const v1::Element& e, std::string_view name) {
  const v1::Element* c = findChild(e, name, e.ns());
  if (c == nullptr) return std::nullopt;
  return text(*c);
}

void addOptionalTextChild(v1::Element& e, std::string_view name,
                          const std::optional<std::string>& value) {
  if (value) addTextChild(e, name, e.ns(), *value);
}

}  // namespace

std::optional<Bind> Bind::parse(const v1::Element& e) {
  Bind b;
  b.resource = childText(e, "resource", e.ns());
  b.jid = childText(e, "jid", e.ns());
  return b;
}

void Bind::build(v1::Element& e) const {
  if (!resource.empty()) addTextChild(e, "resource", e.ns(), resource);
  if (!jid.empty()) addTextChild(e, "jid", e.ns(), jid);
}

std::optional<Session> Session::parse(const v1::Element&) { return Session{}; }
void Session::build(v1::Element&) const {}

std::optional<RosterQuery> RosterQuery::parse(const v1::Element& e) {
  RosterQuery q;
  if (hasAttribute(e, "ver")) q.ver = std::string(attribute(e, "ver"));
  bool ok = true;
  forEachChild(e, "item", [&](const v1::Element& item) {
    RosterItem it;
    it.jid = attribute(item, "jid");
    if (it.jid.empty()) ok = false;
    it.name = attribute(item, "name");
    it.subscription = attribute(item, "subscription");
    it.ask = attribute(item, "ask");
    std::string_view approved = attribute(item, "approved");
    it.approved = approved == "true" || approved == "1";
    forEachChild(item, "group", [&](const v1::Element& g) { it.groups.push_back(text(g)); });
    q.items.push_back(std::move(it));
  });
  if (!ok) return std::nullopt;
  return q;
}

void RosterQuery::build(v1::Element& e) const {
  if (ver) setAttribute(e, "ver", *ver);
  for (const auto& it : items) {
    v1::Element& item = addChild(e, "item", e.ns());
    setAttribute(item, "jid", it.jid);
    setIfNotEmpty(item, "name", it.name);
    setIfNotEmpty(item, "subscription", it.subscription);
    setIfNotEmpty(item, "ask", it.ask);
    if (it.approved) setAttribute(item, "approved", "true");
    for (const auto& g : it.groups) addTextChild(item, "group", e.ns(), g);
  }
}

std::optional<DiscoInfo> DiscoInfo::parse(const v1::Element& e) {
  DiscoInfo d;
  d.node = attribute(e, "node");
  forEachChild(e, "identity", [&](const v1::Element& i) {
    d.identities.push_back({std::string(attribute(i, "category")),
                            std::string(attribute(i, "type")), std::string(attribute(i, "name"))});
  });
  forEachChild(e, "feature",
               [&](const v1::Element& f) { d.features.emplace_back(attribute(f, "var")); });
  return d;
}

void DiscoInfo::build(v1::Element& e) const {
  setIfNotEmpty(e, "node", node);
  for (const auto& i : identities) {
    v1::Element& c = addChild(e, "identity", e.ns());
    setAttribute(c, "category", i.category);
    setAttribute(c, "type", i.type);
    setIfNotEmpty(c, "name", i.name);
  }
  for (const auto& f : features) setAttribute(addChild(e, "feature", e.ns()), "var", f);
}

std::optional<DiscoItems> DiscoItems::parse(const v1::Element& e) {
  DiscoItems d;
  d.node = attribute(e, "node");
  forEachChild(e, "item", [&](const v1::Element& i) {
    d.items.push_back({std::string(attribute(i, "jid")), std::string(attribute(i, "node")),
                       std::string(attribute(i, "name"))});
  });
  return d;
}

void DiscoItems::build(v1::Element& e) const {
  setIfNotEmpty(e, "node", node);
  for (const auto& i : items) {
    v1::Element& c = addChild(e, "item", e.ns());
    setAttribute(c, "jid", i.jid);
    setIfNotEmpty(c, "node", i.node);
    setIfNotEmpty(c, "name", i.name);
  }
}

void SoftwareVersion::build(v1::Element& e) const {
  if (!name.empty()) addTextChild(e, "name", e.ns(), name);
  if (!version.empty()) addTextChild(e, "version", e.ns(), version);
  if (!os.empty()) addTextChild(e, "os", e.ns(), os);
}

std::optional<LegacyAuth> LegacyAuth::parse(const v1::Element& e) {
  return LegacyAuth{optionalChildText(e, "username"), optionalChildText(e, "password"),
                    optionalChildText(e, "digest"), optionalChildText(e, "resource")};
}

void LegacyAuth::build(v1::Element& e) const {
  addOptionalTextChild(e, "username", username);
  addOptionalTextChild(e, "password", password);
  addOptionalTextChild(e, "digest", digest);
  addOptionalTextChild(e, "resource", resource);
}

std::optional<Delay> Delay::parse(const v1::Element& e) {
  Delay d{std::string(attribute(e, "from")), std::string(attribute(e, "stamp")), text(e)};
  if (d.stamp.empty()) return std::nullopt;
  return d;
}

void Delay::build(v1::Element& e) const {
  setIfNotEmpty(e, "from", from);
  setAttribute(e, "stamp", stamp);
  if (!reason.empty()) addText(e, reason);
}

}  // namespace xmpp::stanza

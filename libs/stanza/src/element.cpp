#include "xmpp/stanza/element.hpp"

namespace xmpp::stanza {

std::string_view attribute(const v1::Element& e, std::string_view name) {
  for (const auto& a : e.attributes()) {
    if (a.ns().empty() && a.name() == name) return a.value();
  }
  return {};
}

bool hasAttribute(const v1::Element& e, std::string_view name) {
  for (const auto& a : e.attributes()) {
    if (a.ns().empty() && a.name() == name) return true;
  }
  return false;
}

void setAttribute(v1::Element& e, std::string_view name, std::string_view value) {
  for (auto& a : *e.mutable_attributes()) {
    if (a.ns().empty() && a.name() == name) {
      a.set_value(std::string(value));
      return;
    }
  }
  auto* a = e.add_attributes();
  a->set_name(std::string(name));
  a->set_value(std::string(value));
}

const v1::Element* findChild(const v1::Element& parent, std::string_view name,
                             std::string_view ns) {
  for (const auto& c : parent.children()) {
    if (c.has_element() && c.element().name() == name && c.element().ns() == ns) {
      return &c.element();
    }
  }
  return nullptr;
}

const v1::Element* firstChildElement(const v1::Element& parent) {
  for (const auto& c : parent.children()) {
    if (c.has_element()) return &c.element();
  }
  return nullptr;
}

std::string text(const v1::Element& e) {
  std::string out;
  for (const auto& c : e.children()) {
    if (c.kind_case() == v1::Node::kText) out += c.text();
  }
  return out;
}

std::string childText(const v1::Element& parent, std::string_view name, std::string_view ns) {
  const v1::Element* c = findChild(parent, name, ns);
  return c != nullptr ? text(*c) : std::string{};
}

v1::Element& addChild(v1::Element& parent, std::string_view name, std::string_view ns) {
  v1::Element* e = parent.add_children()->mutable_element();
  e->set_name(std::string(name));
  e->set_ns(std::string(ns));
  return *e;
}

v1::Element& addTextChild(v1::Element& parent, std::string_view name, std::string_view ns,
                          std::string_view text) {
  v1::Element& e = addChild(parent, name, ns);
  if (!text.empty()) addText(e, text);
  return e;
}

void addText(v1::Element& parent, std::string_view text) {
  parent.add_children()->set_text(std::string(text));
}

}  // namespace xmpp::stanza

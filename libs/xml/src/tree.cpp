#include "xmpp/xml/tree.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace xmpp::xml {

std::string_view localName(std::string_view qname) {
  auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

std::string_view prefixOf(std::string_view qname) {
  auto colon = qname.find(':');
  return colon == std::string_view::npos ? std::string_view{} : qname.substr(0, colon);
}

std::string_view resolvePrefix(Element e, std::string_view prefix) {
  if (prefix == "xml") return kXmlNamespace;
  if (prefix == "xmlns") return kXmlnsNamespace;
  for (Element n = e; n && n.type() == pugi::node_element; n = n.parent()) {
    for (pugi::xml_attribute a : n.attributes()) {
      std::string_view name = a.name();
      if (prefix.empty()) {
        if (name == "xmlns") return a.value();
      } else if (name.size() == prefix.size() + 6 && name.starts_with("xmlns:") &&
                 name.substr(6) == prefix) {
        return a.value();
      }
    }
  }
  return {};
}

std::string_view namespaceOf(Element e) { return resolvePrefix(e, prefixOf(e.name())); }

std::string_view namespaceOf(Element owner, pugi::xml_attribute a) {
  std::string_view prefix = prefixOf(a.name());
  return prefix.empty() ? std::string_view{} : resolvePrefix(owner, prefix);
}

Element child(Element parent, std::string_view name, std::string_view ns) {
  for (Element c : parent.children()) {
    if (c.type() == pugi::node_element && localName(c.name()) == name && namespaceOf(c) == ns) {
      return c;
    }
  }
  return {};
}

std::string text(Element e) {
  std::string out;
  for (Element c : e.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

namespace {

bool isNamespaceDeclaration(std::string_view name) {
  return name == "xmlns" || name.starts_with("xmlns:");
}

struct QualifiedAttribute {
  std::string_view ns;
  std::string_view name;
  std::string_view value;
  auto operator<=>(const QualifiedAttribute&) const = default;
};

std::vector<QualifiedAttribute> attributesOf(Element e) {
  std::vector<QualifiedAttribute> out;
  for (pugi::xml_attribute a : e.attributes()) {
    if (isNamespaceDeclaration(a.name())) continue;
    out.push_back({namespaceOf(e, a), localName(a.name()), a.value()});
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Children with adjacent character data merged; empty text dropped.
struct Child {
  Element element;
  std::string text;
};

std::vector<Child> childrenOf(Element e) {
  std::vector<Child> out;
  for (Element c : e.children()) {
    if (c.type() == pugi::node_element) {
      out.push_back({c, {}});
    } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      if (std::strlen(c.value()) == 0) continue;
      if (!out.empty() && !out.back().element) {
        out.back().text += c.value();
      } else {
        out.push_back({Element{}, c.value()});
      }
    }
  }
  return out;
}

}  // namespace

bool equivalent(Element a, Element b) {
  if (localName(a.name()) != localName(b.name())) return false;
  if (namespaceOf(a) != namespaceOf(b)) return false;
  if (attributesOf(a) != attributesOf(b)) return false;
  auto ca = childrenOf(a);
  auto cb = childrenOf(b);
  if (ca.size() != cb.size()) return false;
  for (size_t i = 0; i < ca.size(); ++i) {
    if (static_cast<bool>(ca[i].element) != static_cast<bool>(cb[i].element)) return false;
    if (ca[i].element ? !equivalent(ca[i].element, cb[i].element) : ca[i].text != cb[i].text) {
      return false;
    }
  }
  return true;
}

}  // namespace xmpp::xml

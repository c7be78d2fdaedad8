#include "xmpp/xml/serializer.hpp"

#include <vector>

#include "xmpp/xml/escape.hpp"

namespace xmpp::xml {
namespace {

void writeAttribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  appendEscapedAttribute(out, value);
  out += '"';
}

void serializeElement(Element e, std::string& out, std::string_view inherited) {
  std::string_view name = localName(e.name());
  std::string_view ns = namespaceOf(e);
  out += '<';
  out += name;
  if (ns != inherited) writeAttribute(out, "xmlns", ns);

  // Prefixes declared on this element for its namespaced attributes.
  std::vector<std::string_view> declared;
  for (pugi::xml_attribute a : e.attributes()) {
    std::string_view an = a.name();
    if (an == "xmlns" || an.starts_with("xmlns:")) continue;
    std::string_view prefix = prefixOf(an);
    if (!prefix.empty() && prefix != "xml") {
      bool seen = false;
      for (auto d : declared) seen = seen || d == prefix;
      if (!seen) {
        declared.push_back(prefix);
        out += " xmlns:";
        out += prefix;
        out += "=\"";
        appendEscapedAttribute(out, namespaceOf(e, a));
        out += '"';
      }
    }
    writeAttribute(out, an, a.value());
  }

  Element first = e.first_child();
  if (!first) {
    out += "/>";
    return;
  }
  out += '>';
  for (Element c = first; c; c = c.next_sibling()) {
    switch (c.type()) {
      case pugi::node_element:
        serializeElement(c, out, ns);
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        appendEscapedText(out, c.value());
        break;
      default:
        break;  // comments, PIs and declarations never enter our trees
    }
  }
  out += "</";
  out += name;
  out += '>';
}

}  // namespace

void serialize(Element e, std::string& out, std::string_view inheritedNamespace) {
  if (e.type() == pugi::node_document) {
    e = e.find_child([](Element c) { return c.type() == pugi::node_element; });
  }
  if (!e) return;
  serializeElement(e, out, inheritedNamespace);
}

}  // namespace xmpp::xml

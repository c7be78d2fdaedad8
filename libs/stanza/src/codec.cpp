#include "xmpp/stanza/codec.hpp"

#include <array>

#include "xmpp/xml/escape.hpp"

namespace xmpp::stanza {
namespace {

bool isRoutingKind(v1::StanzaKind k) {
  return k == v1::STANZA_KIND_MESSAGE || k == v1::STANZA_KIND_PRESENCE || k == v1::STANZA_KIND_IQ;
}

// Where an envelope attribute goes, or nullptr if it is not one.
std::string* envelopeField(v1::Stanza& s, std::string_view name, std::string_view ns) {
  if (ns.empty()) {
    if (name == "from") return s.mutable_from();
    if (name == "to") return s.mutable_to();
    if (name == "id") return s.mutable_id();
    if (name == "type") return s.mutable_type();
  } else if (ns == xml::kXmlNamespace && name == "lang") {
    return s.mutable_lang();
  }
  return nullptr;
}

void appendText(v1::Element& e, const char* value) {
  auto* children = e.mutable_children();
  if (!children->empty() && children->rbegin()->kind_case() == v1::Node::kText) {
    children->rbegin()->mutable_text()->append(value);
  } else {
    e.add_children()->set_text(value);
  }
}

// `stanza` is non-null only for the top-level element, whose envelope attributes are lifted.
// Namespaces are resolved top-down: a normalized tree declares a changed default namespace
// on the element itself, so only prefixed names need a walk up the tree.
void elementToProto(xml::Element in, v1::Element& out, v1::Stanza* stanza,
                    std::string_view parentNs) {
  std::string_view qname = in.name();
  std::string_view prefix = xml::prefixOf(qname);
  std::string_view ns = prefix.empty() ? parentNs : xml::resolvePrefix(in, prefix);
  for (pugi::xml_attribute a : in.attributes()) {
    std::string_view name = a.name();
    if (name.starts_with("xmlns")) {
      if (name.size() == 5 && prefix.empty()) ns = a.value();
      if (name.size() == 5 || name[5] == ':') continue;
    }
    std::string_view local = name;
    std::string_view attrNs;
    if (auto colon = name.find(':'); colon != std::string_view::npos) {
      local = name.substr(colon + 1);
      attrNs = xml::resolvePrefix(in, name.substr(0, colon));
    }
    if (stanza != nullptr) {
      if (std::string* field = envelopeField(*stanza, local, attrNs)) {
        field->assign(a.value());
        continue;
      }
    }
    v1::Attribute* attr = out.add_attributes();
    attr->set_name(std::string(local));
    if (!attrNs.empty()) attr->set_ns(std::string(attrNs));
    attr->set_value(a.value());
  }
  out.set_name(std::string(xml::localName(qname)));
  out.set_ns(std::string(ns));
  for (xml::Element c : in.children()) {
    switch (c.type()) {
      case pugi::node_element:
        elementToProto(c, *out.add_children()->mutable_element(), nullptr, ns);
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        appendText(out, c.value());
        break;
      default:
        break;
    }
  }
}

void writeAttribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  xml::appendEscapedAttribute(out, value);
  out += '"';
}

void writeAttributes(const v1::Element& e, std::string& out) {
  int generated = 0;
  for (const auto& a : e.attributes()) {
    if (a.ns().empty()) {
      writeAttribute(out, a.name(), a.value());
    } else if (a.ns() == xml::kXmlNamespace) {
      out += " xml:";
      out += a.name();
      out += "=\"";
      xml::appendEscapedAttribute(out, a.value());
      out += '"';
    } else {
      // Prefixes are not significant; a fresh one per namespaced attribute is simplest.
      std::string prefix = "ns" + std::to_string(generated++);
      writeAttribute(out, "xmlns:" + prefix, a.ns());
      writeAttribute(out, prefix + ":" + a.name(), a.value());
    }
  }
}

void writeChildrenAndClose(const v1::Element& e, std::string& out) {
  if (e.children().empty()) {
    out += "/>";
    return;
  }
  out += '>';
  for (const auto& c : e.children()) {
    if (c.kind_case() == v1::Node::kElement) {
      toXml(c.element(), out, e.ns());
    } else {
      xml::appendEscapedText(out, c.text());
    }
  }
  out += "</";
  out += e.name();
  out += '>';
}

void setAttribute(xml::Element e, std::string_view name, std::string_view value) {
  std::string n(name);
  e.append_attribute(n.c_str()).set_value(value.data(), value.size());
}

void elementToTree(const v1::Element& in, xml::Element parent, std::string_view inheritedNs) {
  xml::Element e = parent.append_child(pugi::node_element);
  e.set_name(in.name().c_str());
  if (in.ns() != inheritedNs || parent.type() == pugi::node_document) {
    setAttribute(e, "xmlns", in.ns());
  }
  int generated = 0;
  for (const auto& a : in.attributes()) {
    if (a.ns().empty()) {
      setAttribute(e, a.name(), a.value());
    } else if (a.ns() == xml::kXmlNamespace) {
      setAttribute(e, "xml:" + a.name(), a.value());
    } else {
      std::string prefix = "ns" + std::to_string(generated++);
      setAttribute(e, "xmlns:" + prefix, a.ns());
      setAttribute(e, prefix + ":" + a.name(), a.value());
    }
  }
  for (const auto& c : in.children()) {
    if (c.kind_case() == v1::Node::kElement) {
      elementToTree(c.element(), e, in.ns());
    } else {
      e.append_child(pugi::node_pcdata).set_value(c.text().data(), c.text().size());
    }
  }
}

}  // namespace

v1::StanzaKind kindOf(std::string_view name, std::string_view ns,
                      std::string_view contentNamespace) {
  if (ns != contentNamespace) return v1::STANZA_KIND_OTHER;
  if (name == "message") return v1::STANZA_KIND_MESSAGE;
  if (name == "presence") return v1::STANZA_KIND_PRESENCE;
  if (name == "iq") return v1::STANZA_KIND_IQ;
  return v1::STANZA_KIND_OTHER;
}

void toProto(xml::Element element, v1::Stanza& out, std::string_view contentNamespace) {
  if (element.type() == pugi::node_document) {
    element = element.find_child([](xml::Element c) { return c.type() == pugi::node_element; });
  }
  const std::string_view inherited = xml::namespaceOf(element.parent());
  const auto kind =
      kindOf(xml::localName(element.name()), xml::namespaceOf(element), contentNamespace);
  out.set_kind(kind);
  elementToProto(element, *out.mutable_element(), isRoutingKind(kind) ? &out : nullptr, inherited);
}

v1::Stanza toProto(xml::Element element, std::string_view contentNamespace) {
  v1::Stanza s;
  toProto(element, s, contentNamespace);
  return s;
}

void toXml(const v1::Element& e, std::string& out, std::string_view inheritedNamespace) {
  out += '<';
  out += e.name();
  if (e.ns() != inheritedNamespace) writeAttribute(out, "xmlns", e.ns());
  writeAttributes(e, out);
  writeChildrenAndClose(e, out);
}

void toXml(const v1::Stanza& s, std::string& out, std::string_view inheritedNamespace) {
  const v1::Element& e = s.element();
  out += '<';
  out += e.name();
  if (e.ns() != inheritedNamespace) writeAttribute(out, "xmlns", e.ns());
  // The envelope first, in a fixed order; then the element's own attributes.
  if (!s.from().empty()) writeAttribute(out, "from", s.from());
  if (!s.to().empty()) writeAttribute(out, "to", s.to());
  if (!s.id().empty()) writeAttribute(out, "id", s.id());
  if (!s.type().empty()) writeAttribute(out, "type", s.type());
  if (!s.lang().empty()) writeAttribute(out, "xml:lang", s.lang());
  writeAttributes(e, out);
  writeChildrenAndClose(e, out);
}

std::string toXml(const v1::Stanza& stanza, std::string_view inheritedNamespace) {
  std::string out;
  toXml(stanza, out, inheritedNamespace);
  return out;
}

v1::Element toElement(const v1::Stanza& s) {
  v1::Element e;
  e.set_name(s.element().name());
  e.set_ns(s.element().ns());
  const std::array<std::pair<const char*, const std::string*>, 4> envelope = {
      {{"from", &s.from()}, {"to", &s.to()}, {"id", &s.id()}, {"type", &s.type()}}};
  for (auto [name, value] : envelope) {
    if (value->empty()) continue;
    auto* a = e.add_attributes();
    a->set_name(name);
    a->set_value(*value);
  }
  if (!s.lang().empty()) {
    auto* a = e.add_attributes();
    a->set_name("lang");
    a->set_ns(std::string(xml::kXmlNamespace));
    a->set_value(s.lang());
  }
  for (const auto& a : s.element().attributes()) *e.add_attributes() = a;
  for (const auto& c : s.element().children()) *e.add_children() = c;
  return e;
}

xml::Document toTree(const v1::Stanza& s) {
  xml::Document doc;
  elementToTree(s.element(), doc, {});
  xml::Element root = doc.document_element();
  // Envelope attributes go first, as toXml writes them.
  std::array<std::pair<const char*, const std::string*>, 5> envelope = {{
      {"xml:lang", &s.lang()},
      {"type", &s.type()},
      {"id", &s.id()},
      {"to", &s.to()},
      {"from", &s.from()},
  }};
  for (auto [name, value] : envelope) {
    if (value->empty()) continue;
    pugi::xml_attribute first = root.first_attribute();
    // After xmlns, before the rest.
    pugi::xml_attribute a = first && std::string_view(first.name()) == "xmlns"
                                ? root.insert_attribute_after(name, first)
                                : root.prepend_attribute(name);
    a.set_value(value->data(), value->size());
  }
  return doc;
}

}  // namespace xmpp::stanza

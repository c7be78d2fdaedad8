#pragma once
// The code base's one element-tree type: pugixml's DOM, with a namespace convention.
//
// pugixml knows nothing of namespaces, so trees built by the stream decoder are
// *normalized*: every element's name is its local name, and an element carries an
// `xmlns` attribute whenever its namespace differs from its parent's (the root always
// carries one). A namespaced attribute is written `prefix:local` with an `xmlns:prefix`
// declaration on the same element (the `xml` prefix is implicit). The helpers below
// also resolve prefixed element names, so trees parsed by pugixml itself work too.

#include <pugixml.hpp>

#include <string>
#include <string_view>

namespace xmpp::xml {

using Document = pugi::xml_document;
using Element = pugi::xml_node;

inline constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";
inline constexpr std::string_view kXmlnsNamespace = "http://www.w3.org/2000/xmlns/";

/// Local part of a possibly prefixed name ("stream:features" -> "features").
std::string_view localName(std::string_view qname);
/// Prefix of a qualified name, empty if none.
std::string_view prefixOf(std::string_view qname);

/// Namespace bound to `prefix` (empty prefix: the default namespace) in scope at `e`.
/// Empty if unbound.
std::string_view resolvePrefix(Element e, std::string_view prefix);

/// The resolved namespace of element `e`.
std::string_view namespaceOf(Element e);

/// The resolved namespace of attribute `a` on element `owner` (empty for unqualified).
std::string_view namespaceOf(Element owner, pugi::xml_attribute a);

/// The first child element with this local name and namespace, or an empty Element.
Element child(Element parent, std::string_view name, std::string_view ns);

/// Concatenated text of the direct character-data children of `e`.
std::string text(Element e);

/// Namespace-aware structural equality: same local names and namespaces, same attribute
/// set (order ignored, namespace declarations ignored), same children with adjacent
/// character data merged.
bool equivalent(Element a, Element b);

}  // namespace xmpp::xml

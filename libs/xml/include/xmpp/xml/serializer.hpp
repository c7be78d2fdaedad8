#pragma once
// Serializes an element tree to XML text.

#include <string>
#include <string_view>

#include "xmpp/xml/tree.hpp"

namespace xmpp::xml {

/// Appends `e` and its subtree to `out`. `inheritedNamespace` is the default namespace in
/// scope where the output goes (e.g. "jabber:client" inside a client stream): the root's
/// namespace is declared only if it differs. Namespaces are written as default-namespace
/// declarations where they change; prefixed element names in the input are normalized.
void serialize(Element e, std::string& out, std::string_view inheritedNamespace = {});

inline std::string toString(Element e, std::string_view inheritedNamespace = {}) {
  std::string out;
  serialize(e, out, inheritedNamespace);
  return out;
}

}  // namespace xmpp::xml

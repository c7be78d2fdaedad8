#pragma once
// Helpers over the generic protobuf element tree (xmpp.v1.Element).

#include <string>
#include <string_view>

#include "xmpp/v1/stanza.pb.h"

namespace xmpp::stanza {

/// Value of the unqualified attribute `name`, or empty.
std::string_view attribute(const v1::Element& e, std::string_view name);
/// True if the unqualified attribute exists.
bool hasAttribute(const v1::Element& e, std::string_view name);
/// Sets (replacing) an unqualified attribute.
void setAttribute(v1::Element& e, std::string_view name, std::string_view value);

/// First child element with this name and namespace, or nullptr.
const v1::Element* findChild(const v1::Element& parent, std::string_view name, std::string_view ns);
/// First child element of any name, or nullptr (the payload of an iq).
const v1::Element* firstChildElement(const v1::Element& parent);
/// Concatenated direct character data of `e`.
std::string text(const v1::Element& e);
/// Text of the first child (name, ns), or empty.
std::string childText(const v1::Element& parent, std::string_view name, std::string_view ns);

/// Appends a child element and returns it.
v1::Element& addChild(v1::Element& parent, std::string_view name, std::string_view ns);
/// Appends a child element holding only `text`.
v1::Element& addTextChild(v1::Element& parent, std::string_view name, std::string_view ns,
                          std::string_view text);
void addText(v1::Element& parent, std::string_view text);

}  // namespace xmpp::stanza

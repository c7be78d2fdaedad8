#pragma once
// Stanza <-> protobuf codec. The routing envelope (from, to, id, type, xml:lang) of
// message/presence/iq is lifted out of the element; everything else, known or not,
// travels as the generic element tree, so any extension crosses the cluster unchanged.

#include <string>
#include <string_view>

#include "xmpp/v1/stanza.pb.h"
#include "xmpp/xml/namespaces.hpp"
#include "xmpp/xml/tree.hpp"

namespace xmpp::stanza {

/// message/presence/iq in the content namespace, otherwise OTHER.
v1::StanzaKind kindOf(std::string_view name, std::string_view ns,
                      std::string_view contentNamespace = ns::kClient);

/// Element tree (normalized by the decoder, or any pugixml tree) -> protobuf.
void toProto(xml::Element element, v1::Stanza& out,
             std::string_view contentNamespace = ns::kClient);
v1::Stanza toProto(xml::Element element, std::string_view contentNamespace = ns::kClient);

/// Protobuf -> XML text appended to `out`. `inheritedNamespace` is the default namespace of
/// the stream the text is written into: it is not repeated on the stanza.
void toXml(const v1::Stanza& stanza, std::string& out,
           std::string_view inheritedNamespace = ns::kClient);
std::string toXml(const v1::Stanza& stanza, std::string_view inheritedNamespace = ns::kClient);
void toXml(const v1::Element& element, std::string& out, std::string_view inheritedNamespace);

/// The stanza as one element with its envelope put back as attributes (from, to, id, type,
/// xml:lang first): for embedding a whole stanza in another, e.g. XEP-0297 <forwarded/>.
v1::Element toElement(const v1::Stanza& stanza);

/// Protobuf -> normalized element tree (the stanza as the document element).
xml::Document toTree(const v1::Stanza& stanza);

}  // namespace xmpp::stanza

#pragma once
// XML escaping for the serializers. Output re-parses to the same character data.

#include <string>
#include <string_view>

namespace xmpp::xml {

/// Appends character data: & < > and CR are escaped (CR would be normalized away).
void appendEscapedText(std::string& out, std::string_view text);

/// Appends an attribute value for a double-quoted attribute: & < > " and TAB, LF, CR
/// (which attribute-value normalization would turn into spaces).
void appendEscapedAttribute(std::string& out, std::string_view value);

}  // namespace xmpp::xml

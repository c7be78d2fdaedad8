#include "xmpp/stream/stream_error.hpp"

#include "xmpp/xml/escape.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::stream {

std::string_view conditionName(StreamErrorCondition c) {
  using C = StreamErrorCondition;
  switch (c) {
    case C::kBadFormat:
      return "bad-format";
    case C::kBadNamespacePrefix:
      return "bad-namespace-prefix";
    case C::kConflict:
      return "conflict";
    case C::kConnectionTimeout:
      return "connection-timeout";
    case C::kHostGone:
      return "host-gone";
    case C::kHostUnknown:
      return "host-unknown";
    case C::kImproperAddressing:
      return "improper-addressing";
    case C::kInternalServerError:
      return "internal-server-error";
    case C::kInvalidFrom:
      return "invalid-from";
    case C::kInvalidNamespace:
      return "invalid-namespace";
    case C::kInvalidXml:
      return "invalid-xml";
    case C::kNotAuthorized:
      return "not-authorized";
    case C::kNotWellFormed:
      return "not-well-formed";
    case C::kPolicyViolation:
      return "policy-violation";
    case C::kRemoteConnectionFailed:
      return "remote-connection-failed";
    case C::kReset:
      return "reset";
    case C::kResourceConstraint:
      return "resource-constraint";
    case C::kRestrictedXml:
      return "restricted-xml";
    case C::kSeeOtherHost:
      return "see-other-host";
    case C::kSystemShutdown:
      return "system-shutdown";
    case C::kUndefinedCondition:
      return "undefined-condition";
    case C::kUnsupportedEncoding:
      return "unsupported-encoding";
    case C::kUnsupportedFeature:
      return "unsupported-feature";
    case C::kUnsupportedStanzaType:
      return "unsupported-stanza-type";
    case C::kUnsupportedVersion:
      return "unsupported-version";
  }
  return "undefined-condition";
}

std::string serializeStreamError(const StreamError& error, bool includeText,
                                 bool declareStreamPrefix) {
  std::string out = "<stream:error";
  if (declareStreamPrefix) {
    out += " xmlns:stream=\"";
    out += ns::kStreams;
    out += '"';
  }
  out += "><";
  out += conditionName(error.condition);
  out += " xmlns=\"";
  out += ns::kStreamErrors;
  out += "\"/>";
  if (includeText && !error.text.empty()) {
    out += "<text xmlns=\"";
    out += ns::kStreamErrors;
    out += "\">";
    xml::appendEscapedText(out, error.text);
    out += "</text>";
  }
  out += "</stream:error>";
  return out;
}

}  // namespace xmpp::stream

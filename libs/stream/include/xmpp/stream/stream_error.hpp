#pragma once
// RFC 6120 §4.9.3 stream error conditions.

#include <string>
#include <string_view>

namespace xmpp::stream {

enum class StreamErrorCondition {
  kBadFormat,
  kBadNamespacePrefix,
  kConflict,
  kConnectionTimeout,
  kHostGone,
  kHostUnknown,
  kImproperAddressing,
  kInternalServerError,
  kInvalidFrom,
  kInvalidNamespace,
  kInvalidXml,
  kNotAuthorized,
  kNotWellFormed,
  kPolicyViolation,
  kRemoteConnectionFailed,
  kReset,
  kResourceConstraint,
  kRestrictedXml,
  kSeeOtherHost,
  kSystemShutdown,
  kUndefinedCondition,
  kUnsupportedEncoding,
  kUnsupportedFeature,
  kUnsupportedStanzaType,
  kUnsupportedVersion,
};

/// The defined-condition element name, e.g. "not-well-formed".
std::string_view conditionName(StreamErrorCondition c);

struct StreamError {
  StreamErrorCondition condition = StreamErrorCondition::kUndefinedCondition;
  /// Diagnostic for logs and the optional <text/>; never contains client data.
  std::string text;

  bool operator==(const StreamError&) const = default;
};

/// `<stream:error><condition
/// xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>[<text/>]</stream:error>`, for a stream whose
/// `stream` prefix is bound as usual.
/// `declareStreamPrefix`: the element declares its `stream` prefix itself (RFC 7395 framing,
/// where every top-level element stands alone).
std::string serializeStreamError(const StreamError& error, bool includeText = false,
                                 bool declareStreamPrefix = false);

}  // namespace xmpp::stream

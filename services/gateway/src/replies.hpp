#pragma once
// The XML the gateway itself writes to a client: stream features, STARTTLS/SASL
// answers and the few iq results and errors of stream negotiation. Everything is appended
// to a caller-owned buffer (one allocation per write), attribute values and text escaped.

#include <string>
#include <string_view>
#include <vector>

#include "xmpp/stanza/stanza_error.hpp"

namespace xmpp::gateway {

/// What <stream:features/> lists at one point of the negotiation.
struct Features {
  bool starttls = false;
  bool starttlsRequired = false;
  std::vector<std::string_view> mechanisms;  // empty: no <mechanisms/>
  bool legacyAuth = false;                   // XEP-0078 iq-auth
  bool registration = false;                 // XEP-0077 iq-register
  bool bind = false;                         // after SASL: bind, session, rosterver
  bool csi = false;                          // XEP-0352
  bool sm = false;                           // XEP-0198
};
/// `declarePrefix`: <stream:features/> declares its prefix (framings where it stands alone).
void appendFeatures(std::string& out, const Features& features, bool declarePrefix = false);

/// RFC 6120 §6.5 SASL failure conditions.
bool isSaslCondition(std::string_view condition);

/// `<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><condition/></failure>`.
void appendSaslFailure(std::string& out, std::string_view condition);
/// `<challenge/>` or `<success/>` with base64 data (an empty element when `data` is empty).
void appendSaslData(std::string& out, std::string_view element, std::string_view data);

/// The stanza error shared by every service (libs/stanza), written here with its XEP-0086
/// legacy code, which old clients read.
using stanza::StanzaError;

/// Common stanza errors.
namespace errors {
inline const StanzaError kBadRequest = stanza::stanzaError("bad-request");
inline const StanzaError kNotAuthorized = stanza::stanzaError("not-authorized");
inline const StanzaError kNotAllowed = stanza::stanzaError("not-allowed");
inline const StanzaError kNotAcceptable = stanza::stanzaError("not-acceptable");
inline const StanzaError kConflict = stanza::stanzaError("conflict");
inline const StanzaError kJidMalformed = stanza::stanzaError("jid-malformed");
inline const StanzaError kInternalServerError = stanza::stanzaError("internal-server-error");
inline const StanzaError kResourceConstraint = stanza::stanzaError("resource-constraint");
inline const StanzaError kServiceUnavailable = stanza::stanzaError("service-unavailable");
inline const StanzaError kFeatureNotImplemented = stanza::stanzaError("feature-not-implemented");
}  // namespace errors

/// `<iq type='result' id=.. [from=..]>payload</iq>`; `payloadXml` is already serialized.
void appendIqResult(std::string& out, std::string_view id, std::string_view from,
                    std::string_view payloadXml = {});

/// `<name type='error' [id=..] [from=..]><error ...><condition/></error></name>`. The
/// original payload is not echoed (it may carry a password).
void appendStanzaError(std::string& out, std::string_view name, std::string_view id,
                       std::string_view from, const StanzaError& error);

/// `<failed xmlns='urn:xmpp:sm:3'><condition xmlns=stanzas/></failed>` (XEP-0198).
void appendSmFailed(std::string& out, std::string_view condition);

}  // namespace xmpp::gateway

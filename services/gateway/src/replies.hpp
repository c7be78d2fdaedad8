#pragma once
// The XML the gateway itself writes to a client: stream headers, features, STARTTLS/SASL
// answers and the few iq results and errors of stream negotiation. Everything is appended
// to a caller-owned buffer (one allocation per write), attribute values and text escaped.

#include <string>
#include <string_view>
#include <vector>

namespace xmpp::gateway {

/// `<?xml version='1.0'?><stream:stream ...>`. `withVersion`: the client sent a version.
void appendStreamHeader(std::string& out, std::string_view streamId, std::string_view domain,
                        bool withVersion);

/// What <stream:features/> lists at one point of the negotiation.
struct Features {
  bool starttls = false;
  bool starttlsRequired = false;
  std::vector<std::string_view> mechanisms;  // empty: no <mechanisms/>
  bool legacyAuth = false;                   // XEP-0078 iq-auth
  bool registration = false;                 // XEP-0077 iq-register
  bool bind = false;                         // after SASL: bind, session, rosterver
  bool csi = false;                          // XEP-0352
};
void appendFeatures(std::string& out, const Features& features);

/// RFC 6120 §6.5 SASL failure conditions.
bool isSaslCondition(std::string_view condition);

/// `<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><condition/></failure>`.
void appendSaslFailure(std::string& out, std::string_view condition);
/// `<challenge/>` or `<success/>` with base64 data (an empty element when `data` is empty).
void appendSaslData(std::string& out, std::string_view element, std::string_view data);

/// A stanza error (RFC 6120 §8.3), optionally with the XEP-0086 legacy code old clients read.
struct StanzaError {
  std::string_view type;       // cancel / modify / auth / wait
  std::string_view condition;  // e.g. "not-authorized"
  int legacyCode = 0;          // 0: no code attribute
  std::string_view text;       // optional <text/>, never client data
};

/// Common stanza errors.
namespace errors {
inline constexpr StanzaError kBadRequest{"modify", "bad-request", 400, {}};
inline constexpr StanzaError kNotAuthorized{"auth", "not-authorized", 401, {}};
inline constexpr StanzaError kNotAllowed{"cancel", "not-allowed", 405, {}};
inline constexpr StanzaError kNotAcceptable{"modify", "not-acceptable", 406, {}};
inline constexpr StanzaError kConflict{"cancel", "conflict", 409, {}};
inline constexpr StanzaError kJidMalformed{"modify", "jid-malformed", 400, {}};
inline constexpr StanzaError kInternalServerError{"wait", "internal-server-error", 500, {}};
inline constexpr StanzaError kResourceConstraint{"wait", "resource-constraint", 500, {}};
inline constexpr StanzaError kServiceUnavailable{"cancel", "service-unavailable", 503, {}};
inline constexpr StanzaError kFeatureNotImplemented{"cancel", "feature-not-implemented", 501, {}};
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

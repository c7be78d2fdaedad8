#pragma once
// The stanza error (RFC 6120 §8.3) of every service: one type and one condition table (each
// defined condition with the type RFC 6120 §8.3.3 recommends and its XEP-0086 legacy code).
// Each service renders it its own way (the gateway as text, the router as a v1::Stanza).

#include <string>
#include <string_view>

namespace xmpp::stanza {

/// RFC 6120 §8.3.2 error types.
enum class ErrorType { kCancel, kContinue, kModify, kAuth, kWait };

std::string_view toString(ErrorType type);

struct StanzaError {
  ErrorType type = ErrorType::kCancel;
  std::string condition;  // a defined condition, e.g. "service-unavailable"
  std::string text;       // optional <text/>: never client data
  // An application-specific condition (RFC 6120 §8.3.4), e.g. XEP-0191's
  // <blocked xmlns='urn:xmpp:blocking:errors'/>; empty name: none.
  std::string appCondition;
  std::string appNamespace;

  friend bool operator==(const StanzaError&, const StanzaError&) = default;
};

/// The condition with its recommended type (undefined-condition for an unknown one).
StanzaError stanzaError(std::string_view condition, std::string_view text = {});
/// True for the conditions RFC 6120 §8.3.3 defines.
bool isDefinedCondition(std::string_view condition);
/// XEP-0086 legacy error code of a condition; 0 when it has none.
int legacyCode(std::string_view condition);

namespace errors {
StanzaError serviceUnavailable();      // cancel
StanzaError remoteServerNotFound();    // cancel
StanzaError jidMalformed();            // modify
StanzaError badRequest();              // modify
StanzaError internalServerError();     // cancel
StanzaError temporarilyUnavailable();  // service-unavailable, wait: a backend is down
}  // namespace errors

}  // namespace xmpp::stanza

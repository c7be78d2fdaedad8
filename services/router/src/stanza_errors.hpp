#pragma once
// Stanza error replies (RFC 6120 §8.3), built in exactly one place. Every failure the router
// reports to a client -- a routing rule, a roster service status, a directory error -- is first
// turned into a StanzaError here, then into a reply by makeErrorReply().

#include <grpcpp/support/status.h>

#include <optional>
#include <string>
#include <string_view>

#include "xmpp/storage/store_error.hpp"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::router {

/// RFC 6120 §8.3.2 error types.
enum class ErrorType { kCancel, kContinue, kModify, kAuth, kWait };

std::string_view toString(ErrorType type);

/// A defined condition (RFC 6120 §8.3.3) and its type.
struct StanzaError {
  ErrorType type = ErrorType::kCancel;
  std::string condition;  // e.g. "service-unavailable"
  // An application-specific condition (RFC 6120 §8.3.4), e.g. XEP-0191's
  // <blocked xmlns='urn:xmpp:blocking:errors'/>; empty name: none.
  std::string appCondition;
  std::string appNamespace;

  friend bool operator==(const StanzaError&, const StanzaError&) = default;
};

/// The condition with the type RFC 6120 §8.3.3 recommends for it.
StanzaError stanzaError(std::string_view condition);

namespace errors {
StanzaError serviceUnavailable();      // cancel
StanzaError remoteServerNotFound();    // cancel
StanzaError jidMalformed();            // modify
StanzaError badRequest();              // modify
StanzaError internalServerError();     // cancel
StanzaError temporarilyUnavailable();  // service-unavailable, wait: a backend is down
}  // namespace errors

/// True for the conditions RFC 6120 §8.3.3 defines.
bool isDefinedCondition(std::string_view condition);

/// A roster/auth service status (the roster service puts the condition in the message):
/// UNAVAILABLE and DEADLINE_EXCEEDED -> service-unavailable (wait); a defined condition in the
/// message -> that condition; otherwise internal-server-error.
StanzaError fromStatus(const grpc::Status& status);

/// A session directory failure: kUnavailable -> service-unavailable (wait), else
/// internal-server-error.
StanzaError fromStoreError(storage::StoreError error);

/// The error reply to `original` (RFC 6120 §8.3.1): same kind and id, from/to swapped,
/// type='error', the original children (minus any <error/>) followed by
/// <error type='..'><condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>.
/// nullopt when `original` is itself an error: an error is never answered with an error.
std::optional<v1::Stanza> makeErrorReply(const v1::Stanza& original, const StanzaError& error);

}  // namespace xmpp::router

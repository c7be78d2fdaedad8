#pragma once
// Stanza error replies (RFC 6120 §8.3), built in exactly one place. Every failure the router
// reports to a client -- a routing rule, a userdata service status, a directory error -- is first
// turned into the shared StanzaError, then into a reply by makeErrorReply().

#include <optional>
#include <string>
#include <string_view>

#include "ports.hpp"
#include "xmpp/stanza/stanza_error.hpp"
#include "xmpp/storage/store_error.hpp"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::router {

// The shared stanza error (libs/stanza/stanza_error.hpp) under the router's names.
using stanza::ErrorType;
using stanza::isDefinedCondition;
using stanza::StanzaError;
using stanza::stanzaError;
using stanza::toString;
namespace errors = stanza::errors;

/// A backend service failure: unavailable -> service-unavailable (wait); refused -> its
/// condition; otherwise internal-server-error.
StanzaError fromBackendError(const BackendError& error);

/// A session directory failure: kUnavailable -> service-unavailable (wait), else
/// internal-server-error.
StanzaError fromStoreError(storage::StoreError error);

/// The error reply to `original` (RFC 6120 §8.3.1): same kind and id, from/to swapped,
/// type='error', the original children (minus any <error/>) followed by
/// <error type='..'><condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>.
/// nullopt when `original` is itself an error: an error is never answered with an error.
std::optional<v1::Stanza> makeErrorReply(const v1::Stanza& original, const StanzaError& error);

}  // namespace xmpp::router

#pragma once
// Expected failures of RosterLogic, returned as values. Each maps to exactly one RFC 6120 §8.3
// stanza error condition (stanzaErrorCondition / stanzaErrorType), so the gRPC layer translates
// them in one place.

#include <string_view>

#include "xmpp/storage/store_error.hpp"

namespace xmpp::roster {

enum class RosterError {
  kBadRequest,          // malformed request (e.g. several items in one roster set, full JID)
  kJidMalformed,        // a JID that does not parse (RFC 7622)
  kNotAcceptable,       // a value outside the configured limits (name, group, vCard size)
  kNotAllowed,          // forbidden by policy (item for the user's own JID, roster full)
  kItemNotFound,        // removing an item that is not in the roster; no vCard
  kServiceUnavailable,  // the store could not be reached; retrying later may succeed
  kInternal,            // a store answered something impossible (e.g. kConflict on a write)
};

std::string_view toString(RosterError error);
/// RFC 6120 §8.3.3 condition element name, e.g. "bad-request".
std::string_view stanzaErrorCondition(RosterError error);
/// RFC 6120 §8.3.2 error type: "modify", "cancel" or "wait".
std::string_view stanzaErrorType(RosterError error);

/// kUnavailable -> kServiceUnavailable, kNotFound -> kItemNotFound, anything else -> kInternal.
RosterError fromStoreError(storage::StoreError error);

}  // namespace xmpp::roster

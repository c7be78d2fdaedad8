#include "roster_error.hpp"

namespace xmpp::roster {

std::string_view toString(RosterError error) { return stanzaErrorCondition(error); }

std::string_view stanzaErrorCondition(RosterError error) {
  switch (error) {
    case RosterError::kBadRequest:
      return "bad-request";
    case RosterError::kJidMalformed:
      return "jid-malformed";
    case RosterError::kNotAcceptable:
      return "not-acceptable";
    case RosterError::kNotAllowed:
      return "not-allowed";
    case RosterError::kItemNotFound:
      return "item-not-found";
    case RosterError::kServiceUnavailable:
      return "service-unavailable";
    case RosterError::kInternal:
      return "internal-server-error";
  }
  return "undefined-condition";
}

std::string_view stanzaErrorType(RosterError error) {
  switch (error) {
    case RosterError::kBadRequest:
    case RosterError::kJidMalformed:
    case RosterError::kNotAcceptable:
      return "modify";
    case RosterError::kServiceUnavailable:
    case RosterError::kInternal:
      return "wait";
    case RosterError::kNotAllowed:
    case RosterError::kItemNotFound:
      return "cancel";
  }
  return "cancel";
}

RosterError fromStoreError(storage::StoreError error) {
  switch (error) {
    case storage::StoreError::kNotFound:
      return RosterError::kItemNotFound;
    case storage::StoreError::kUnavailable:
      return RosterError::kServiceUnavailable;
    default:  // kConflict on a write we own, kInternal, and whatever is added later
      return RosterError::kInternal;
  }
}

}  // namespace xmpp::roster

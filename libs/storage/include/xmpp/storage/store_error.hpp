#pragma once
// Expected failures of any store (PostgreSQL, Redis, in-memory). Returned as values, never thrown:
// callers map them to a protocol answer in exactly one place.

#include <string_view>
#include <variant>

#include "xmpp/common/expected.hpp"

namespace xmpp::storage {

enum class StoreError {
  kNotFound,     // the addressed record does not exist
  kConflict,     // a record with the same key already exists (e.g. unique violation)
  kUnavailable,  // the backend could not be reached or failed; retrying later may succeed
  kInternal,     // a bug or a schema mismatch (e.g. an SQL error): not worth retrying
};

inline std::string_view toString(StoreError error) {
  switch (error) {
    case StoreError::kNotFound:
      return "not-found";
    case StoreError::kConflict:
      return "conflict";
    case StoreError::kUnavailable:
      return "unavailable";
    case StoreError::kInternal:
      return "internal";
  }
  return "unknown";
}

/// Result of an operation that yields no value: `std::monostate{}` on success.
using StoreStatus = xmpp::Expected<std::monostate, StoreError>;

}  // namespace xmpp::storage

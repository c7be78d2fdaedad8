#pragma once
// Expected failures of a store, as status values (no exceptions on hot paths).

#include <string_view>

namespace xmpp::storage {

enum class StoreError {
  kNotFound,
  kConflict,
  kUnavailable,  // the database cannot be reached: the caller answers UNAVAILABLE
  kInternal,     // a bug or a schema mismatch: never retried blindly
};

inline std::string_view toString(StoreError e) {
  switch (e) {
    case StoreError::kNotFound: return "not-found";
    case StoreError::kConflict: return "conflict";
    case StoreError::kUnavailable: return "unavailable";
    case StoreError::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace xmpp::storage

#pragma once
// XEP-0049 private XML storage: per user, one opaque blob (a serialized xmpp.v1.Element) per
// (namespace, element name). The store never parses it.
//
// Implementations: PgPrivateStore (libpqxx, production), InMemoryPrivateStore (unit tests).
// Safe to call from several threads. `user` is the prepared bare JID of the owner.

#include <cstddef>
#include <string>
#include <string_view>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage {

class PrivateStore {
 public:
  virtual ~PrivateStore() = default;
  /// The stored bytes; kNotFound when nothing is stored under (ns, name).
  virtual Expected<std::string, StoreError> get(std::string_view user, std::string_view ns,
                                                std::string_view name) = 0;
  /// Creates or replaces.
  virtual StoreStatus set(std::string_view user, std::string_view ns, std::string_view name,
                          std::string_view elementBytes) = 0;
  /// How many elements the user stores (for the per-user limit).
  virtual Expected<std::size_t, StoreError> count(std::string_view user) = 0;
  /// Deletes everything the user stored; returns how many elements.
  virtual Expected<std::size_t, StoreError> removeUser(std::string_view user) = 0;
};

}  // namespace xmpp::storage

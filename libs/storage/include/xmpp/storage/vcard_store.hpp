#pragma once
// vCards (XEP-0054 vcard-temp), one per user, stored as an opaque blob: the serialized
// xmpp.v1.Element of the <vCard xmlns='vcard-temp'/> element. The store never parses it.
//
// Implementations: PgVcardStore (libpqxx, production; BYTEA column), InMemoryVcardStore (unit
// tests). Expected failures come back as StoreError values; a backend that cannot be reached
// answers kUnavailable. Implementations must be safe to call from several threads. `user` is
// the prepared bare JID of the owner.

#include <cstddef>
#include <string>
#include <string_view>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage {

class VcardStore {
 public:
  virtual ~VcardStore() = default;

  /// The stored bytes. kNotFound when the user has no vCard.
  virtual xmpp::Expected<std::string, StoreError> get(std::string_view user) = 0;

  /// Creates or replaces the user's vCard.
  virtual StoreStatus set(std::string_view user, std::string_view elementBytes) = 0;

  /// Deletes the vCard; returns 1 if there was one, else 0.
  virtual xmpp::Expected<std::size_t, StoreError> removeUser(std::string_view user) = 0;
};

}  // namespace xmpp::storage

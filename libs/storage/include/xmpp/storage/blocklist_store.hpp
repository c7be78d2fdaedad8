#pragma once
// XEP-0191 block lists: per user, a set of prepared JIDs. Implementations: PgBlockListStore
// (production), InMemoryBlockListStore (unit tests). Safe to call from several threads.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage {

class BlockListStore {
 public:
  virtual ~BlockListStore() = default;
  /// The user's blocked JIDs, sorted.
  virtual Expected<std::vector<std::string>, StoreError> list(std::string_view user) = 0;
  /// Adds the JIDs (already blocked ones are kept once).
  virtual StoreStatus block(std::string_view user, const std::vector<std::string>& jids) = 0;
  /// Removes the JIDs; an empty list removes them all.
  virtual StoreStatus unblock(std::string_view user, const std::vector<std::string>& jids) = 0;
  /// Deletes the user's list; returns how many entries.
  virtual Expected<std::size_t, StoreError> removeUser(std::string_view user) = 0;
};

}  // namespace xmpp::storage

#pragma once
// RosterStore fake for unit tests: maps behind one mutex. Not for production use (no
// persistence); integration tests run against PostgreSQL instead.

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/storage/roster_store.hpp"

namespace xmpp::storage {

class InMemoryRosterStore final : public RosterStore {
 public:
  xmpp::Expected<Roster, StoreError> getRoster(std::string_view user) override;
  xmpp::Expected<RosterItem, StoreError> getItem(std::string_view user,
                                                 std::string_view contact) override;
  xmpp::Expected<ItemUpdate, StoreError> updateItem(std::string_view user, std::string_view contact,
                                                    const ItemMutator& mutate) override;
  xmpp::Expected<std::vector<RosterItem>, StoreError> itemsWithPendingIn(
      std::string_view user) override;
  xmpp::Expected<std::size_t, StoreError> countItems(std::string_view user) override;
  xmpp::Expected<std::size_t, StoreError> removeUser(std::string_view user) override;

  /// Test hook: while set, every call answers kUnavailable (simulates a database outage).
  void setUnavailable(bool unavailable);
  /// Test hook: number of users with anything stored (items or a version).
  std::size_t userCount() const;

 private:
  struct UserRoster {
    std::map<std::string, RosterItem, std::less<>> items;
    RosterVersion version = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::string, UserRoster, std::less<>> users_;  // guarded by mutex_
  bool unavailable_ = false;                              // guarded by mutex_
};

}  // namespace xmpp::storage

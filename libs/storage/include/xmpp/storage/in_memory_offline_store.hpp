#pragma once
// OfflineStore fake for unit tests: maps behind one mutex. Not for production use (no
// persistence); integration tests run against PostgreSQL instead.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/storage/offline_store.hpp"

namespace xmpp::storage {

class InMemoryOfflineStore final : public OfflineStore {
 public:
  xmpp::Expected<OfflinePut, StoreError> store(std::string_view user, const StoredMessage& message,
                                               std::size_t maxPerUser) override;
  xmpp::Expected<std::vector<StoredMessage>, StoreError> fetchPage(
      std::string_view user, const OfflinePage& page) override;
  xmpp::Expected<std::size_t, StoreError> ack(std::string_view user,
                                              const std::vector<std::int64_t>& ids) override;
  xmpp::Expected<std::size_t, StoreError> count(std::string_view user) override;
  xmpp::Expected<std::size_t, StoreError> removeUser(std::string_view user) override;

  /// Test hook: while set, every call answers kUnavailable (simulates a database outage).
  void setUnavailable(bool unavailable);
  /// Test hook: number of users with at least one stored message.
  std::size_t userCount() const;

 private:
  mutable std::mutex mutex_;
  // user -> (id -> message); guarded by mutex_. Users with no message are erased.
  std::map<std::string, std::map<std::int64_t, StoredMessage>, std::less<>> users_;
  std::int64_t nextId_ = 1;   // guarded by mutex_
  bool unavailable_ = false;  // guarded by mutex_
};

}  // namespace xmpp::storage

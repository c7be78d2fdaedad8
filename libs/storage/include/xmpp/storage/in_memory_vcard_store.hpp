#pragma once
// VcardStore fake for unit tests: a std::map behind a mutex. Not for production use (no
// persistence); integration tests run against PostgreSQL instead.

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "xmpp/storage/vcard_store.hpp"

namespace xmpp::storage {

class InMemoryVcardStore final : public VcardStore {
 public:
  xmpp::Expected<std::string, StoreError> get(std::string_view user) override;
  StoreStatus set(std::string_view user, std::string_view elementBytes) override;
  xmpp::Expected<std::size_t, StoreError> removeUser(std::string_view user) override;

  /// Test hook: while set, every call answers kUnavailable (simulates a database outage).
  void setUnavailable(bool unavailable);
  /// Test hook: number of stored vCards.
  std::size_t userCount() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> vcards_;  // guarded by mutex_
  bool unavailable_ = false;                                // guarded by mutex_
};

}  // namespace xmpp::storage

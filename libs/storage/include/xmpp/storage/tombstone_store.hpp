#pragma once
// Names of removed accounts and when they were removed (auth service). Implementations:
// PgTombstoneStore (production), InMemoryTombstoneStore (unit tests).

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage {

class TombstoneStore {
 public:
  virtual ~TombstoneStore() = default;
  /// When `username` was removed last; nullopt if never.
  virtual Expected<std::optional<std::chrono::system_clock::time_point>, StoreError> removedAt(
      std::string_view username) = 0;
  virtual StoreStatus put(std::string_view username, std::chrono::system_clock::time_point at) = 0;
};

class InMemoryTombstoneStore final : public TombstoneStore {
 public:
  Expected<std::optional<std::chrono::system_clock::time_point>, StoreError> removedAt(
      std::string_view username) override {
    std::lock_guard lock(mutex_);
    auto it = at_.find(username);
    if (it == at_.end()) return std::optional<std::chrono::system_clock::time_point>{};
    return std::optional(it->second);
  }
  StoreStatus put(std::string_view username, std::chrono::system_clock::time_point at) override {
    std::lock_guard lock(mutex_);
    at_.insert_or_assign(std::string(username), at);
    return std::monostate{};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::chrono::system_clock::time_point, std::less<>> at_;
};

}  // namespace xmpp::storage

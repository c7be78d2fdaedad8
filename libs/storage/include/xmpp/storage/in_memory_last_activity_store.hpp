#pragma once
// LastActivityStore fake for unit tests.

#include <map>
#include <mutex>
#include <string>

#include "xmpp/storage/last_activity_store.hpp"

namespace xmpp::storage {

class InMemoryLastActivityStore final : public LastActivityStore {
 public:
  Expected<LastActivity, StoreError> get(std::string_view user) override {
    std::lock_guard lock(mutex_);
    auto it = last_.find(user);
    if (it == last_.end()) return unexpected(StoreError::kNotFound);
    return it->second;
  }
  StoreStatus set(std::string_view user, const LastActivity& last) override {
    std::lock_guard lock(mutex_);
    last_.insert_or_assign(std::string(user), last);
    return std::monostate{};
  }
  Expected<std::size_t, StoreError> removeUser(std::string_view user) override {
    std::lock_guard lock(mutex_);
    auto it = last_.find(user);
    if (it == last_.end()) return std::size_t{0};
    last_.erase(it);
    return std::size_t{1};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, LastActivity, std::less<>> last_;  // guarded by mutex_
};

}  // namespace xmpp::storage

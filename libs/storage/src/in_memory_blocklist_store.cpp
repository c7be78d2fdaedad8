#include "xmpp/storage/in_memory_blocklist_store.hpp"

namespace xmpp::storage {

Expected<std::vector<std::string>, StoreError> InMemoryBlockListStore::list(std::string_view user) {
  std::lock_guard lock(mutex_);
  auto it = lists_.find(user);
  if (it == lists_.end()) return std::vector<std::string>{};
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

StoreStatus InMemoryBlockListStore::block(std::string_view user,
                                          const std::vector<std::string>& jids) {
  std::lock_guard lock(mutex_);
  auto& set = lists_[std::string(user)];
  set.insert(jids.begin(), jids.end());
  return std::monostate{};
}

StoreStatus InMemoryBlockListStore::unblock(std::string_view user,
                                            const std::vector<std::string>& jids) {
  std::lock_guard lock(mutex_);
  auto it = lists_.find(user);
  if (it == lists_.end()) return std::monostate{};
  if (jids.empty()) {
    lists_.erase(it);
    return std::monostate{};
  }
  for (const auto& j : jids) it->second.erase(j);
  return std::monostate{};
}

Expected<std::size_t, StoreError> InMemoryBlockListStore::removeUser(std::string_view user) {
  std::lock_guard lock(mutex_);
  auto it = lists_.find(user);
  if (it == lists_.end()) return std::size_t{0};
  const std::size_t n = it->second.size();
  lists_.erase(it);
  return n;
}

}  // namespace xmpp::storage

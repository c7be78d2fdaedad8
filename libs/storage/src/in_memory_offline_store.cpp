#include "xmpp/storage/in_memory_offline_store.hpp"

namespace xmpp::storage {

xmpp::Expected<OfflinePut, StoreError> InMemoryOfflineStore::store(std::string_view user,
                                                                   const StoredMessage& message,
                                                                   std::size_t maxPerUser) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto u = users_.find(user);
  const std::size_t held = u == users_.end() ? 0 : u->second.size();
  if (held >= maxPerUser) return OfflinePut{OfflinePut::Status::kQuotaFull, 0};
  if (u == users_.end())
    u = users_.emplace(std::string(user), std::map<std::int64_t, StoredMessage>{}).first;
  StoredMessage copy = message;
  copy.id = nextId_++;
  u->second.emplace(copy.id, copy);
  return OfflinePut{OfflinePut::Status::kStored, copy.id};
}

xmpp::Expected<std::vector<StoredMessage>, StoreError> InMemoryOfflineStore::fetchPage(
    std::string_view user, const OfflinePage& page) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  std::vector<StoredMessage> out;
  auto u = users_.find(user);
  if (u == users_.end()) return out;
  std::size_t bytes = 0;
  for (auto it = u->second.upper_bound(page.afterId); it != u->second.end(); ++it) {
    const std::size_t next = it->second.stanzaBytes.size();
    if (out.size() >= page.limit || (!out.empty() && bytes + next > page.maxBytes)) break;
    bytes += next;
    out.push_back(it->second);
  }
  return out;
}

xmpp::Expected<std::size_t, StoreError> InMemoryOfflineStore::ack(
    std::string_view user, const std::vector<std::int64_t>& ids) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto u = users_.find(user);
  if (u == users_.end()) return std::size_t{0};
  std::size_t deleted = 0;
  for (std::int64_t id : ids) deleted += u->second.erase(id);
  if (u->second.empty()) users_.erase(u);
  return deleted;
}

xmpp::Expected<std::size_t, StoreError> InMemoryOfflineStore::count(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto u = users_.find(user);
  return u == users_.end() ? std::size_t{0} : u->second.size();
}

xmpp::Expected<std::size_t, StoreError> InMemoryOfflineStore::removeUser(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto u = users_.find(user);
  if (u == users_.end()) return std::size_t{0};
  const std::size_t n = u->second.size();
  users_.erase(u);
  return n;
}

void InMemoryOfflineStore::setUnavailable(bool unavailable) {
  std::lock_guard lock(mutex_);
  unavailable_ = unavailable;
}

std::size_t InMemoryOfflineStore::userCount() const {
  std::lock_guard lock(mutex_);
  return users_.size();
}

}  // namespace xmpp::storage

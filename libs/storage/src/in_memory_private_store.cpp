#include "xmpp/storage/in_memory_private_store.hpp"

namespace xmpp::storage {

Expected<std::string, StoreError> InMemoryPrivateStore::get(std::string_view user,
                                                            std::string_view ns,
                                                            std::string_view name) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return unexpected(StoreError::kUnavailable);
  auto it = elements_.find(Key{user, ns, name});
  if (it == elements_.end()) return unexpected(StoreError::kNotFound);
  return it->second;
}

StoreStatus InMemoryPrivateStore::set(std::string_view user, std::string_view ns,
                                      std::string_view name, std::string_view elementBytes) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return unexpected(StoreError::kUnavailable);
  elements_.insert_or_assign(Key{user, ns, name}, std::string(elementBytes));
  return std::monostate{};
}

Expected<std::size_t, StoreError> InMemoryPrivateStore::count(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return unexpected(StoreError::kUnavailable);
  std::size_t n = 0;
  for (const auto& [key, value] : elements_) n += std::get<0>(key) == user ? 1 : 0;
  return n;
}

Expected<std::size_t, StoreError> InMemoryPrivateStore::removeUser(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return unexpected(StoreError::kUnavailable);
  std::size_t n = 0;
  for (auto it = elements_.begin(); it != elements_.end();) {
    if (std::get<0>(it->first) == user) {
      it = elements_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

void InMemoryPrivateStore::setUnavailable(bool unavailable) {
  std::lock_guard lock(mutex_);
  unavailable_ = unavailable;
}

}  // namespace xmpp::storage

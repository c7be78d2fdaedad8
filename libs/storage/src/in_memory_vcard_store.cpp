#include "xmpp/storage/in_memory_vcard_store.hpp"

namespace xmpp::storage {

xmpp::Expected<std::string, StoreError> InMemoryVcardStore::get(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto it = vcards_.find(user);
  if (it == vcards_.end()) return xmpp::unexpected(StoreError::kNotFound);
  return it->second;
}

StoreStatus InMemoryVcardStore::set(std::string_view user, std::string_view elementBytes) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  vcards_.insert_or_assign(std::string(user), std::string(elementBytes));
  return std::monostate{};
}

xmpp::Expected<std::size_t, StoreError> InMemoryVcardStore::removeUser(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto it = vcards_.find(user);
  if (it == vcards_.end()) return std::size_t{0};
  vcards_.erase(it);
  return std::size_t{1};
}

void InMemoryVcardStore::setUnavailable(bool unavailable) {
  std::lock_guard lock(mutex_);
  unavailable_ = unavailable;
}

std::size_t InMemoryVcardStore::userCount() const {
  std::lock_guard lock(mutex_);
  return vcards_.size();
}

}  // namespace xmpp::storage

#include "xmpp/storage/in_memory_account_store.hpp"

#include <algorithm>
#include <iterator>

namespace xmpp::storage {

StoreStatus InMemoryAccountStore::create(const Account& account) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto [it, inserted] = accounts_.try_emplace(account.username, account);
  if (!inserted) return xmpp::unexpected(StoreError::kConflict);
  return std::monostate{};
}

xmpp::Expected<Account, StoreError> InMemoryAccountStore::get(std::string_view username) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto it = accounts_.find(username);
  if (it == accounts_.end()) return xmpp::unexpected(StoreError::kNotFound);
  return it->second;
}

StoreStatus InMemoryAccountStore::updateCredentials(std::string_view username,
                                                    const ScramCredential& sha1,
                                                    const ScramCredential& sha256,
                                                    const std::optional<std::string>& plaintext) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto it = accounts_.find(username);
  if (it == accounts_.end()) return xmpp::unexpected(StoreError::kNotFound);
  it->second.sha1 = sha1;
  it->second.sha256 = sha256;
  it->second.plaintext = plaintext;
  return std::monostate{};
}

StoreStatus InMemoryAccountStore::remove(std::string_view username) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto it = accounts_.find(username);
  if (it == accounts_.end()) return xmpp::unexpected(StoreError::kNotFound);
  accounts_.erase(it);
  return std::monostate{};
}

xmpp::Expected<std::vector<std::string>, StoreError> InMemoryAccountStore::list(
    ListOptions options) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  std::vector<std::string> out;
  if (options.offset >= accounts_.size()) return out;
  auto it = std::next(accounts_.begin(), static_cast<std::ptrdiff_t>(options.offset));
  const std::size_t remaining = accounts_.size() - options.offset;
  const std::size_t n = options.limit ? std::min(*options.limit, remaining) : remaining;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i, ++it) out.push_back(it->first);
  return out;
}

xmpp::Expected<bool, StoreError> InMemoryAccountStore::exists(std::string_view username) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  return accounts_.find(username) != accounts_.end();
}

void InMemoryAccountStore::setUnavailable(bool unavailable) {
  std::lock_guard lock(mutex_);
  unavailable_ = unavailable;
}

}  // namespace xmpp::storage

#include "xmpp/storage/in_memory_roster_store.hpp"

#include <utility>

namespace xmpp::storage {

xmpp::Expected<Roster, StoreError> InMemoryRosterStore::getRoster(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  Roster out;
  auto it = users_.find(user);
  if (it == users_.end()) return out;
  out.version = it->second.version;
  out.items.reserve(it->second.items.size());
  for (const auto& [contact, item] : it->second.items) out.items.push_back(item);
  return out;
}

xmpp::Expected<RosterItem, StoreError> InMemoryRosterStore::getItem(std::string_view user,
                                                                    std::string_view contact) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto u = users_.find(user);
  if (u == users_.end()) return xmpp::unexpected(StoreError::kNotFound);
  auto it = u->second.items.find(contact);
  if (it == u->second.items.end()) return xmpp::unexpected(StoreError::kNotFound);
  return it->second;
}

xmpp::Expected<ItemUpdate, StoreError> InMemoryRosterStore::updateItem(std::string_view user,
                                                                       std::string_view contact,
                                                                       const ItemMutator& mutate) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);

  ItemUpdate out;
  auto u = users_.find(user);
  if (u != users_.end()) {
    out.version = u->second.version;
    auto it = u->second.items.find(contact);
    if (it != u->second.items.end()) out.before = it->second;
  }

  out.after = mutate(out.before);
  if (out.after) out.after->contact = std::string(contact);
  out.changed = out.before != out.after;
  if (!out.changed) return out;

  if (u == users_.end()) u = users_.emplace(std::string(user), UserRoster{}).first;
  UserRoster& roster = u->second;
  if (out.after) {
    roster.items.insert_or_assign(std::string(contact), *out.after);
  } else {
    roster.items.erase(roster.items.find(contact));
  }
  out.version = ++roster.version;
  return out;
}

xmpp::Expected<std::vector<RosterItem>, StoreError> InMemoryRosterStore::itemsWithPendingIn(
    std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  std::vector<RosterItem> out;
  auto u = users_.find(user);
  if (u == users_.end()) return out;
  for (const auto& [contact, item] : u->second.items) {
    if (item.pendingIn) out.push_back(item);
  }
  return out;
}

xmpp::Expected<std::size_t, StoreError> InMemoryRosterStore::countItems(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto u = users_.find(user);
  return u == users_.end() ? std::size_t{0} : u->second.items.size();
}

xmpp::Expected<std::size_t, StoreError> InMemoryRosterStore::removeUser(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return xmpp::unexpected(StoreError::kUnavailable);
  auto u = users_.find(user);
  if (u == users_.end()) return std::size_t{0};
  const std::size_t n = u->second.items.size();
  users_.erase(u);
  return n;
}

void InMemoryRosterStore::setUnavailable(bool unavailable) {
  std::lock_guard lock(mutex_);
  unavailable_ = unavailable;
}

std::size_t InMemoryRosterStore::userCount() const {
  std::lock_guard lock(mutex_);
  return users_.size();
}

}  // namespace xmpp::storage

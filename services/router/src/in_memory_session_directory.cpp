#include "in_memory_session_directory.hpp"

namespace xmpp::router {

Expected<std::map<std::string, v1::SessionInfo>, storage::StoreError>
InMemorySessionDirectory::sessions(const std::string& bareJid) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(bareJid);
  if (it == sessions_.end()) return std::map<std::string, v1::SessionInfo>{};
  return it->second;
}

Expected<std::map<std::string, std::map<std::string, v1::SessionInfo>>, storage::StoreError>
InMemorySessionDirectory::sessionsOf(const std::vector<std::string>& bareJids) {
  std::lock_guard lock(mu_);
  std::map<std::string, std::map<std::string, v1::SessionInfo>> out;
  for (const auto& bare : bareJids) {
    auto it = sessions_.find(bare);
    if (it != sessions_.end() && !it->second.empty()) out.emplace(bare, it->second);
  }
  return out;
}

Expected<std::optional<v1::SessionInfo>, storage::StoreError> InMemorySessionDirectory::bind(
    const std::string& bareJid, const std::string& resource, const v1::SessionInfo& session) {
  std::lock_guard lock(mu_);
  auto& slot = sessions_[bareJid][resource];
  std::optional<v1::SessionInfo> replaced;
  if (!slot.session_id().empty()) replaced = slot;
  slot = session;
  return replaced;
}

storage::StoreStatus InMemorySessionDirectory::update(const std::string& bareJid,
                                                      const std::string& resource,
                                                      const v1::SessionInfo& session) {
  std::lock_guard lock(mu_);
  auto user = sessions_.find(bareJid);
  if (user == sessions_.end()) return unexpected(storage::StoreError::kNotFound);
  auto it = user->second.find(resource);
  if (it == user->second.end() || it->second.session_id() != session.session_id()) {
    return unexpected(storage::StoreError::kNotFound);
  }
  it->second = session;
  return std::monostate{};
}

Expected<bool, storage::StoreError> InMemorySessionDirectory::remove(const std::string& bareJid,
                                                                     const std::string& resource,
                                                                     const std::string& sessionId) {
  std::lock_guard lock(mu_);
  auto user = sessions_.find(bareJid);
  if (user == sessions_.end()) return false;
  auto it = user->second.find(resource);
  if (it == user->second.end() || it->second.session_id() != sessionId) return false;
  user->second.erase(it);
  if (user->second.empty()) sessions_.erase(user);
  return true;
}

Expected<bool, storage::StoreError> InMemorySessionDirectory::removeUnchanged(
    const std::string& bareJid, const std::string& resource, const v1::SessionInfo& read) {
  std::lock_guard lock(mu_);
  auto user = sessions_.find(bareJid);
  if (user == sessions_.end()) return false;
  auto it = user->second.find(resource);
  if (it == user->second.end() || it->second.SerializeAsString() != read.SerializeAsString()) {
    return false;
  }
  user->second.erase(it);
  if (user->second.empty()) sessions_.erase(user);
  return true;
}

std::vector<v1::SessionInfo> InMemorySessionDirectory::sessionsOnGateway(
    const std::string& gatewayId) const {
  std::lock_guard lock(mu_);
  std::vector<v1::SessionInfo> out;
  for (const auto& [bare, resources] : sessions_) {
    for (const auto& [resource, s] : resources) {
      if (s.gateway_id() == gatewayId) out.push_back(s);
    }
  }
  return out;
}

std::optional<v1::SessionInfo> InMemorySessionDirectory::find(const std::string& bareJid,
                                                              const std::string& resource) const {
  std::lock_guard lock(mu_);
  auto user = sessions_.find(bareJid);
  if (user == sessions_.end()) return std::nullopt;
  auto it = user->second.find(resource);
  if (it == user->second.end()) return std::nullopt;
  return it->second;
}

std::size_t InMemorySessionDirectory::size() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [bare, resources] : sessions_) n += resources.size();
  return n;
}

}  // namespace xmpp::router

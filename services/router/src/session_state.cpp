#include "session_state.hpp"

namespace xmpp::router {

void SessionTable::add(const std::string& sessionId, const std::string& gatewayId,
                       const std::string& fullJid) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sessionId);
  if (it != sessions_.end()) {
    it->second.gatewayId = gatewayId;
    it->second.fullJid = fullJid;
    return;
  }
  if (sessions_.size() >= capacity_) return;
  sessions_.emplace(sessionId, LocalSession{gatewayId, fullJid});
}

std::optional<LocalSession> SessionTable::get(const std::string& sessionId) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sessionId);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

bool SessionTable::erase(const std::string& sessionId) {
  std::lock_guard lock(mu_);
  return sessions_.erase(sessionId) > 0;
}

std::vector<std::pair<std::string, LocalSession>> SessionTable::ofGateway(
    const std::string& gatewayId) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, LocalSession>> out;
  for (const auto& [id, s] : sessions_) {
    if (s.gatewayId == gatewayId) out.emplace_back(id, s);
  }
  return out;
}

std::vector<std::string> SessionTable::eraseGateway(const std::string& gatewayId) {
  std::lock_guard lock(mu_);
  std::vector<std::string> erased;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.gatewayId == gatewayId) {
      erased.push_back(it->first);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  return erased;
}

bool SessionTable::startPresence(const std::string& sessionId, const std::string& fullJid) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sessionId);
  if (it == sessions_.end()) {
    // Unknown (router restarted, or past capacity): treat as initial; record if there is room.
    if (sessions_.size() < capacity_) {
      sessions_.emplace(sessionId, LocalSession{{}, fullJid, true, false});
    }
    return true;
  }
  const bool initial = !it->second.presenceStarted;
  it->second.presenceStarted = true;
  return initial;
}

void SessionTable::endPresence(const std::string& sessionId) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sessionId);
  if (it != sessions_.end()) it->second.presenceStarted = false;
}

bool SessionTable::takeOfflineTurn(const std::string& sessionId) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sessionId);
  if (it == sessions_.end()) return true;  // unknown: deliver (the gateway acks what it wrote)
  const bool turn = !it->second.offlineDelivered;
  it->second.offlineDelivered = true;
  return turn;
}

void SessionTable::giveBackOfflineTurn(const std::string& sessionId) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sessionId);
  if (it != sessions_.end()) it->second.offlineDelivered = false;
}

std::size_t SessionTable::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

bool DirectedPresenceTable::add(const std::string& sessionId, const std::string& target) {
  std::lock_guard lock(mu_);
  auto it = targets_.find(sessionId);
  if (it == targets_.end()) {
    if (targets_.size() >= maxSessions_ || maxPerSession_ == 0) return false;
    it = targets_.emplace(sessionId, std::set<std::string>{}).first;
  }
  if (it->second.contains(target)) return true;
  if (it->second.size() >= maxPerSession_) return false;
  it->second.insert(target);
  return true;
}

void DirectedPresenceTable::remove(const std::string& sessionId, const std::string& target) {
  std::lock_guard lock(mu_);
  auto it = targets_.find(sessionId);
  if (it == targets_.end()) return;
  it->second.erase(target);
  if (it->second.empty()) targets_.erase(it);
}

std::vector<std::string> DirectedPresenceTable::take(const std::string& sessionId) {
  std::lock_guard lock(mu_);
  auto it = targets_.find(sessionId);
  if (it == targets_.end()) return {};
  std::vector<std::string> out(it->second.begin(), it->second.end());
  targets_.erase(it);
  return out;
}

std::vector<std::string> DirectedPresenceTable::peek(const std::string& sessionId) const {
  std::lock_guard lock(mu_);
  auto it = targets_.find(sessionId);
  if (it == targets_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::size_t DirectedPresenceTable::sessions() const {
  std::lock_guard lock(mu_);
  return targets_.size();
}

}  // namespace xmpp::router

#include "caching_session_directory.hpp"

#include <utility>

namespace xmpp::router {

CachingSessionDirectory::CachingSessionDirectory(SessionDirectory& inner, InvalidationFeed& feed,
                                                 CacheOptions options)
    : inner_(inner), cache_(feed, kChannel, std::move(options)) {}

Expected<std::map<std::string, v1::SessionInfo>, storage::StoreError>
CachingSessionDirectory::sessions(const std::string& bareJid) {
  if (auto cached = cache_.lookup(bareJid)) return std::move(*cached);
  const auto t = cache_.ticket(bareJid);
  auto r = inner_.sessions(bareJid);
  if (r) cache_.fill(bareJid, t, *r);
  return r;
}

Expected<std::map<std::string, std::map<std::string, v1::SessionInfo>>, storage::StoreError>
CachingSessionDirectory::sessionsOf(const std::vector<std::string>& bareJids) {
  std::map<std::string, Sessions> out;
  std::vector<std::string> missing;
  std::vector<InvalidatedCache<Sessions>::Ticket> tickets;
  for (const auto& b : bareJids) {
    if (auto cached = cache_.lookup(b)) {
      if (!cached->empty()) out.emplace(b, std::move(*cached));
    } else {
      missing.push_back(b);
      tickets.push_back(cache_.ticket(b));
    }
  }
  if (missing.empty()) return out;
  auto r = inner_.sessionsOf(missing);  // still one round trip for all misses
  if (!r) return unexpected(r.error());
  for (size_t i = 0; i < missing.size(); ++i) {
    auto it = r->find(missing[i]);
    const Sessions found = it == r->end() ? Sessions{} : it->second;
    cache_.fill(missing[i], tickets[i], found);
    if (!found.empty()) out.emplace(missing[i], found);
  }
  return out;
}

Expected<std::optional<v1::SessionInfo>, storage::StoreError> CachingSessionDirectory::bind(
    const std::string& bareJid, const std::string& resource, const v1::SessionInfo& session) {
  auto r = inner_.bind(bareJid, resource, session);
  cache_.invalidate(bareJid);  // ours at once; other routers through the channel
  return r;
}

storage::StoreStatus CachingSessionDirectory::update(const std::string& bareJid,
                                                     const std::string& resource,
                                                     const v1::SessionInfo& session) {
  auto r = inner_.update(bareJid, resource, session);
  cache_.invalidate(bareJid);
  return r;
}

Expected<bool, storage::StoreError> CachingSessionDirectory::remove(const std::string& bareJid,
                                                                    const std::string& resource,
                                                                    const std::string& sessionId) {
  auto r = inner_.remove(bareJid, resource, sessionId);
  cache_.invalidate(bareJid);
  return r;
}

Expected<bool, storage::StoreError> CachingSessionDirectory::removeUnchanged(
    const std::string& bareJid, const std::string& resource, const v1::SessionInfo& read) {
  auto r = inner_.removeUnchanged(bareJid, resource, read);
  cache_.invalidate(bareJid);
  return r;
}

}  // namespace xmpp::router

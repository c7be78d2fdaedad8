#pragma once
// A per-router cache in front of the Redis session directory, so that routing a stanza to a
// known user costs no Redis round trip. Every mutation, by any router, publishes the bare
// JID on the Redis channel "xmpp:inv" (inside the same Lua script); the invalidation feed
// evicts it here (the rules are InvalidatedCache's).

#include "invalidated_cache.hpp"
#include "ports.hpp"

namespace xmpp::router {

class CachingSessionDirectory final : public SessionDirectory {
 public:
  /// The channel the directory's scripts publish on.
  static constexpr const char* kChannel = "xmpp:inv";

  CachingSessionDirectory(SessionDirectory& inner, InvalidationFeed& feed, CacheOptions options);

  Expected<std::map<std::string, v1::SessionInfo>, storage::StoreError> sessions(
      const std::string& bareJid) override;
  Expected<std::map<std::string, std::map<std::string, v1::SessionInfo>>, storage::StoreError>
  sessionsOf(const std::vector<std::string>& bareJids) override;
  Expected<std::optional<v1::SessionInfo>, storage::StoreError> bind(
      const std::string& bareJid, const std::string& resource,
      const v1::SessionInfo& session) override;
  storage::StoreStatus update(const std::string& bareJid, const std::string& resource,
                              const v1::SessionInfo& session) override;
  Expected<bool, storage::StoreError> remove(const std::string& bareJid,
                                             const std::string& resource,
                                             const std::string& sessionId) override;
  Expected<bool, storage::StoreError> removeUnchanged(const std::string& bareJid,
                                                      const std::string& resource,
                                                      const v1::SessionInfo& read) override;

  /// True while invalidations are being received (the cache is in use).
  bool active() const { return cache_.active(); }
  uint64_t hits() const { return cache_.hits(); }
  uint64_t misses() const { return cache_.misses(); }

  /// Forgets every cached entry (the directory was emptied).
  void dropAll() { cache_.clear(); }

 private:
  using Sessions = std::map<std::string, v1::SessionInfo>;

  SessionDirectory& inner_;
  InvalidatedCache<Sessions> cache_;
};

}  // namespace xmpp::router

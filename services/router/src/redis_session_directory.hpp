#pragma once
// SessionDirectory on Redis, plus gateway liveness.
//
//   xmpp:sess:<bare>        hash  resource -> "<gateway>\x1f<session_id>\x1f<SessionInfo bytes>"
//   xmpp:gwsess:<gateway>   set   "<bare>\x1f<resource>\x1f<session_id>": a gateway's sessions
//   xmpp:gw:<gateway>       string with a TTL, refreshed by heartbeat while the gateway lives
//   xmpp:gateways           set   every gateway seen
//   xmpp:gwclean:<gateway>  string NX: the router that cleans up after a dead gateway
//
// Mutations run as Lua scripts, so a bind, update or remove only ever touches the session it
// names (a late 'ended' of a replaced session cannot remove its successor), and a dead
// gateway's sessions are cleaned up exactly once (DESIGN-NOTES "Stale sessions").

#include <chrono>

#include "ports.hpp"
#include "xmpp/storage_redis/redis.hpp"
#include "xmpp/storage_redis/resumable_sessions.hpp"

namespace xmpp::router {

class RedisSessionDirectory final : public SessionDirectory {
 public:
  explicit RedisSessionDirectory(storage_redis::RedisPool& pool) : pool_(pool) {}

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

  // Gateway liveness.
  storage::StoreStatus heartbeat(const std::string& gatewayId, std::chrono::seconds ttl);
  /// Known gateways whose heartbeat key has expired.
  Expected<std::vector<std::string>, storage::StoreError> deadGateways();
  /// Shortens a gateway's heartbeat TTL (its stream to this router closed): if it is alive
  /// elsewhere, its other streams refresh it; if it died, it is found dead sooner.
  storage::StoreStatus expireSoon(const std::string& gatewayId, std::chrono::seconds ttl);
  /// True for exactly one caller per dead gateway (until the claim expires or is released).
  Expected<bool, storage::StoreError> claimCleanup(const std::string& gatewayId);
  storage::StoreStatus releaseClaim(const std::string& gatewayId);
  /// After a dead gateway's sessions were swept: forgets it (and releases the claim) unless
  /// it came back meanwhile; true when forgotten.
  Expected<bool, storage::StoreError> finishCleanup(const std::string& gatewayId);
  /// The directory's epoch, set to `candidate` if Redis has none (it was emptied).
  Expected<std::string, storage::StoreError> epoch(const std::string& candidate);
  /// The sessions still bound to a gateway.
  Expected<std::vector<v1::SessionInfo>, storage::StoreError> sessionsOfGateway(
      const std::string& gatewayId);

 private:
  storage_redis::RedisPool& pool_;
};

/// "user@domain/resource" -> {"user@domain", "resource"}.
std::pair<std::string, std::string> splitFullJid(const std::string& fullJid);

/// ResumableSessionStore on Redis.
class RedisResumableSessions final : public ResumableSessionStore {
 public:
  explicit RedisResumableSessions(storage_redis::RedisPool& pool) : sessions_(pool) {}
  Expected<bool, storage::StoreError> detach(const std::string& smId,
                                             const std::string& sessionId) override {
    return sessions_.detach(smId, sessionId);
  }
  Expected<Queued, storage::StoreError> queue(const std::string& smId,
                                              const std::string& entry) override {
    auto r = sessions_.queue(smId, entry);
    if (!r) return unexpected(r.error());
    switch (*r) {
      case 1:
        return Queued::kQueued;
      case 0:
        return Queued::kNotDetached;
      case 4:
        return Queued::kFull;
      default:
        return Queued::kGone;
    }
  }
  storage_redis::ResumableSessions& redis() { return sessions_; }

 private:
  storage_redis::ResumableSessions sessions_;
};

}  // namespace xmpp::router

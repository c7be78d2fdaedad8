#pragma once
// A per-router cache in front of the Redis session directory, so that routing a stanza to a
// known user costs no Redis round trip. Every mutation, by any router, publishes the bare
// JID on the Redis channel "xmpp:inv" (inside the same Lua script); a subscriber thread
// evicts it here. Correctness rules:
//  - a fill that raced an invalidation of the same JID is not stored (per-JID counters);
//  - while the subscription is down (or not yet up), the cache is bypassed and emptied, since
//    invalidations may be missed then;
//  - entries expire after `maxAge` as a last safety net; the cache is bounded.

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "ports.hpp"
#include "xmpp/storage_redis/redis.hpp"

namespace xmpp::router {

class CachingSessionDirectory final : public SessionDirectory {
 public:
  struct Options {
    std::chrono::milliseconds maxAge{30'000};
    size_t maxEntries = 200'000;
  };

  CachingSessionDirectory(SessionDirectory& inner, storage_redis::RedisOptions subscriber,
                          Options options);
  ~CachingSessionDirectory() override;

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
  bool active() const { return subscribed_.load(); }
  uint64_t hits() const { return hits_.load(); }
  uint64_t misses() const { return misses_.load(); }

  /// Forgets every cached entry (the directory was emptied).
  void dropAll() { clear(); }

 private:
  using Sessions = std::map<std::string, v1::SessionInfo>;
  struct Entry {
    Sessions sessions;
    std::chrono::steady_clock::time_point filled;
  };
  // The state a fill started from: stored only if nothing invalidated the JID meanwhile.
  struct Ticket {
    uint64_t epoch;
    uint64_t invalidations;
  };

  std::optional<Sessions> lookup(const std::string& bareJid);
  Ticket ticket(const std::string& bareJid);
  void fill(const std::string& bareJid, const Ticket& t, const Sessions& sessions);
  void invalidate(const std::string& bareJid);
  void clear();
  void subscribeLoop();

  SessionDirectory& inner_;
  storage_redis::RedisOptions subscriberOptions_;
  Options options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, uint64_t> invalidations_;
  uint64_t epoch_ = 0;
  std::atomic<bool> subscribed_{false};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::thread subscriber_;
};

}  // namespace xmpp::router

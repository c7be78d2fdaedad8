#pragma once
// XEP-0198 resumable sessions in Redis, shared by every gateway (which writes them as it sends)
// and every router (which detaches the sessions of a dead gateway and expires detached ones):
//
//   xmpp:sm:<id>    hash  account, jid (full JID), sid (the stream that holds it; "" while
//                         detached), last (the last holder's session id), in (our h), acked
//                         (the client's last h), max (resumption seconds), info (SessionInfo
//                         bytes), claim (ms since the epoch until which a resume is settling)
//   xmpp:smq:<id>   list  the stanzas sent and not acknowledged, in order (opaque bytes)
//   xmpp:sm:expiry  zset  detached ids by the time (ms) their resumption ends
//
// Every mutation is a Lua script that checks the holder (`sid`): a stream that lost its session
// to a resume elsewhere learns it from its next write, and of two resumes of one id only the
// first gets it while the other is settling (DESIGN-NOTES "Stale sessions"). Commands are
// built here and run by the caller (the gateway pipelines many sessions' in one round trip).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xmpp/storage_redis/redis.hpp"

namespace xmpp::storage_redis {

/// One command's arguments (EVAL script numkeys keys... args...).
using RedisCommand = std::vector<std::string>;

struct ResumableRecord {
  std::string account;  // bare JID
  std::string fullJid;
  std::string sessionId;  // the holder
  std::string info;       // SessionInfo bytes
  std::chrono::seconds max{300};
  // What may wait unacknowledged (the gateway's bound): stanzas queued while detached stop
  // at it (they are stored offline instead).
  size_t maxStanzas = 500;
  size_t maxBytes = 1 << 20;
};

/// What a resume took over.
struct ResumedState {
  std::string previousSessionId;
  std::string fullJid;
  std::string info;
  uint32_t inbound = 0;              // our h: what we handled of the client's stanzas
  std::vector<std::string> unacked;  // after the client's h, in order
};

/// A detached session whose resumption time ran out (taken out of Redis).
struct ExpiredSession {
  std::string id;
  std::string account;
  std::string fullJid;
  std::string sessionId;  // its last holder (still in the session directory)
  std::string info;
  std::vector<std::string> unacked;
};

namespace resumable {

/// Replaces any state under `id` (a new <enable resume/>).
RedisCommand create(const std::string& id, const ResumableRecord& record);
/// Appends sent stanzas; reply 1, 0 if `sessionId` no longer holds it (resumed elsewhere),
/// 2 if the state is gone (Redis lost it).
/// Several at once (in order): one script run for a burst to one session.
RedisCommand append(const std::string& id, const std::string& sessionId,
                    const std::vector<std::string>& entries, uint32_t inbound);
/// The client acknowledged `count` more (its h is now `h`); reply 1 or 0 as append.
RedisCommand ack(const std::string& id, const std::string& sessionId, uint32_t count, uint32_t h,
                 uint32_t inbound);
/// New SessionInfo bytes and our h; reply 1 or 0 as append.
RedisCommand update(const std::string& id, const std::string& sessionId, const std::string& info,
                    uint32_t inbound);
/// The holder's connection is gone: detached until now + max. Reply 1 (detached, or it already
/// was by this holder), 0 (someone else holds it), 3 (it is gone). `inbound` < 0:
/// leave our h as stored (a router detaching a dead gateway's session).
RedisCommand detach(const std::string& id, const std::string& sessionId, int64_t inbound,
                    std::chrono::system_clock::time_point now);
/// A normal end of the stream: the state goes (if `sessionId` holds it).
RedisCommand release(const std::string& id, const std::string& sessionId);
/// A resume by `account` with the client's `h` on stream `sessionId`. Reply: {1, ...} taken,
/// {0} not found (or another account's), {2} another resume took it less than `window`
/// ago (of two at once, exactly one wins), {3} h too high.
RedisCommand takeover(const std::string& id, const std::string& account,
                      const std::string& sessionId, uint32_t h,
                      std::chrono::system_clock::time_point now, std::chrono::milliseconds window);
/// A stanza routed to a detached session, queued behind what it had not acknowledged.
/// Reply 1 queued, 0 not detached (resumed meanwhile), 3 gone, 4 past its bound.
RedisCommand queue(const std::string& id, const std::string& entry);
/// Detached sessions due at `now`, at most `limit`, removed from Redis.
RedisCommand expireDue(std::chrono::system_clock::time_point now, size_t limit);

enum class TakeoverOutcome { kTaken, kNotFound, kBusy, kTooHigh, kFailed };
TakeoverOutcome parseTakeover(const redisReply* reply, ResumedState& out);
std::vector<ExpiredSession> parseExpired(const redisReply* reply);
/// The integer reply of the other scripts (-1: not an integer).
long long integerOf(const redisReply* reply);

}  // namespace resumable

/// The router's side, run on a pool (blocking).
class ResumableSessions {
 public:
  explicit ResumableSessions(RedisPool& pool) : pool_(pool) {}
  /// See resumable::detach; true when the session is (now or already) detached by this holder.
  Expected<bool, storage::StoreError> detach(const std::string& id, const std::string& sessionId);
  Expected<std::vector<ExpiredSession>, storage::StoreError> expireDue(size_t limit);
  /// See resumable::queue: its reply.
  Expected<long long, storage::StoreError> queue(const std::string& id, const std::string& entry);

 private:
  RedisPool& pool_;
};

}  // namespace xmpp::storage_redis

#include "xmpp/storage_redis/resumable_sessions.hpp"

namespace xmpp::storage_redis {
namespace resumable {
namespace {

constexpr const char* kExpiry = "xmpp:sm:expiry";

std::string hashKey(const std::string& id) { return "xmpp:sm:" + id; }
std::string listKey(const std::string& id) { return "xmpp:smq:" + id; }

int64_t millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// While a stream holds the state it lives a week past its last acknowledgement; detached, as
// long as its resumption time (plus a margin for the router that expires it).
constexpr int64_t kHeldTtlSeconds = 7 * 24 * 3600;
constexpr int64_t kDetachedMarginSeconds = 120;

const char* kCreate = R"lua(
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[7])
redis.call('HSET', KEYS[1], 'account', ARGV[1], 'jid', ARGV[2], 'sid', ARGV[3], 'last', ARGV[3],
           'info', ARGV[4], 'max', ARGV[5], 'in', '0', 'acked', '0', 'capn', ARGV[8],
           'capb', ARGV[9], 'qb', '0')
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 1
)lua";

// Every write of the holder's starts here: 2 if the state is gone, 0 if another stream holds
// it (ARGV[1] is the caller's session id).
const std::string kHeld = R"lua(
local holder = redis.call('HGET', KEYS[1], 'sid')
if not holder then return 2 end
if holder ~= ARGV[1] then return 0 end
)lua";

const std::string kAppend = kHeld + R"lua(
local n = #ARGV - 3
if redis.call('RPUSH', KEYS[2], unpack(ARGV, 4)) == n then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
redis.call('HSET', KEYS[1], 'in', ARGV[2])
return 1
)lua";

const std::string kAck = kHeld + R"lua(
local n = tonumber(ARGV[2])
if n > 0 then redis.call('LTRIM', KEYS[2], n, -1) end
redis.call('HSET', KEYS[1], 'acked', ARGV[3], 'in', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
)lua";

const std::string kUpdate = kHeld + R"lua(
redis.call('HSET', KEYS[1], 'info', ARGV[2], 'in', ARGV[3])
return 1
)lua";

const char* kDetach = R"lua(
local v = redis.call('HMGET', KEYS[1], 'sid', 'last', 'max')
if not v[1] then return 3 end
if v[1] == '' then
  if v[2] == ARGV[1] then return 1 end  -- already, by this holder: the same outcome
  return 0
end
if v[1] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'sid', '', 'last', ARGV[1])
if ARGV[2] ~= '-' then redis.call('HSET', KEYS[1], 'in', ARGV[2]) end
local max = tonumber(v[3]) or 300
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]) + max * 1000, ARGV[4])
redis.call('EXPIRE', KEYS[1], max + tonumber(ARGV[5]))
redis.call('EXPIRE', KEYS[2], max + tonumber(ARGV[5]))
return 1
)lua";

const char* kRelease = R"lua(
if redis.call('HGET', KEYS[1], 'sid') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
)lua";

const char* kTakeover = R"lua(
local v = redis.call('HMGET', KEYS[1], 'account', 'sid', 'last', 'in', 'acked', 'jid', 'info',
                      'claim')
if not v[1] or v[1] ~= ARGV[1] then return {0} end
if v[8] and tonumber(v[8]) > tonumber(ARGV[4]) then return {2} end
local len = redis.call('LLEN', KEYS[2])
local n = (tonumber(ARGV[3]) - tonumber(v[5])) % 4294967296
if n > len then return {3} end
if n > 0 then redis.call('LTRIM', KEYS[2], n, -1) end
local previous = v[2]
if previous == '' then previous = v[3] end
redis.call('HSET', KEYS[1], 'sid', ARGV[2], 'last', ARGV[2], 'acked', ARGV[3], 'qb', '0',
           'claim', tostring(tonumber(ARGV[4]) + tonumber(ARGV[5])))
redis.call('ZREM', KEYS[3], ARGV[7])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {1, previous, v[4], v[6], v[7] or '', redis.call('LRANGE', KEYS[2], 0, -1)}
)lua";

const char* kQueue = R"lua(
local v = redis.call('HMGET', KEYS[1], 'sid', 'capn', 'capb', 'qb')
if not v[1] then return 3 end
if v[1] ~= '' then return 0 end
local bytes = (tonumber(v[4]) or 0) + string.len(ARGV[1])
if redis.call('LLEN', KEYS[2]) >= (tonumber(v[2]) or 500) or
   bytes > (tonumber(v[3]) or 1048576) then return 4 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'qb', tostring(bytes))
return 1
)lua";

const char* kExpireDue = R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local h, q = 'xmpp:sm:' .. id, 'xmpp:smq:' .. id
  local v = redis.call('HMGET', h, 'sid', 'account', 'jid', 'last', 'info')
  if v[1] == '' then
    table.insert(out, {id, v[2], v[3], v[4], v[5] or '', redis.call('LRANGE', q, 0, -1)})
    redis.call('DEL', h, q)
  end
end
return out
)lua";

std::string str(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return {};
  return std::string(r->str, r->len);
}

std::vector<std::string> strings(const redisReply* r) {
  std::vector<std::string> out;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
  out.reserve(r->elements);
  for (size_t i = 0; i < r->elements; ++i) out.push_back(str(r->element[i]));
  return out;
}

RedisCommand script(const std::string& body, const std::string& id, std::vector<std::string> args) {
  RedisCommand c{"EVAL", body, "3", hashKey(id), listKey(id), kExpiry};
  for (auto& a : args) c.push_back(std::move(a));
  return c;
}

}  // namespace

RedisCommand create(const std::string& id, const ResumableRecord& r) {
  return script(kCreate, id,
                {r.account, r.fullJid, r.sessionId, r.info, std::to_string(r.max.count()),
                 std::to_string(kHeldTtlSeconds), id, std::to_string(r.maxStanzas),
                 std::to_string(r.maxBytes)});
}

RedisCommand append(const std::string& id, const std::string& sessionId,
                    const std::vector<std::string>& entries, uint32_t inbound) {
  std::vector<std::string> args{sessionId, std::to_string(inbound),
                                std::to_string(kHeldTtlSeconds)};
  args.insert(args.end(), entries.begin(), entries.end());
  return script(kAppend, id, std::move(args));
}

RedisCommand ack(const std::string& id, const std::string& sessionId, uint32_t count, uint32_t h,
                 uint32_t inbound) {
  return script(kAck, id,
                {sessionId, std::to_string(count), std::to_string(h), std::to_string(inbound),
                 std::to_string(kHeldTtlSeconds)});
}

RedisCommand update(const std::string& id, const std::string& sessionId, const std::string& info,
                    uint32_t inbound) {
  return script(kUpdate, id, {sessionId, info, std::to_string(inbound)});
}

RedisCommand detach(const std::string& id, const std::string& sessionId, int64_t inbound,
                    std::chrono::system_clock::time_point now) {
  return script(kDetach, id,
                {sessionId, inbound < 0 ? std::string("-") : std::to_string(inbound),
                 std::to_string(millis(now)), id, std::to_string(kDetachedMarginSeconds)});
}

RedisCommand release(const std::string& id, const std::string& sessionId) {
  return script(kRelease, id, {sessionId, id});
}

RedisCommand takeover(const std::string& id, const std::string& account,
                      const std::string& sessionId, uint32_t h,
                      std::chrono::system_clock::time_point now, std::chrono::milliseconds window) {
  return script(kTakeover, id,
                {account, sessionId, std::to_string(h), std::to_string(millis(now)),
                 std::to_string(window.count()), std::to_string(kHeldTtlSeconds), id});
}

RedisCommand queue(const std::string& id, const std::string& entry) {
  return script(kQueue, id, {entry});
}

RedisCommand expireDue(std::chrono::system_clock::time_point now, size_t limit) {
  return {"EVAL", kExpireDue, "1", kExpiry, std::to_string(millis(now)), std::to_string(limit)};
}

long long integerOf(const redisReply* r) {
  return r != nullptr && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

TakeoverOutcome parseTakeover(const redisReply* r, ResumedState& out) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
    return TakeoverOutcome::kFailed;
  }
  switch (integerOf(r->element[0])) {
    case 0:
      return TakeoverOutcome::kNotFound;
    case 2:
      return TakeoverOutcome::kBusy;
    case 3:
      return TakeoverOutcome::kTooHigh;
    case 1:
      break;
    default:
      return TakeoverOutcome::kFailed;
  }
  if (r->elements < 6) return TakeoverOutcome::kFailed;
  out.previousSessionId = str(r->element[1]);
  out.inbound =
      static_cast<uint32_t>(std::stoull(str(r->element[2]).empty() ? "0" : str(r->element[2])));
  out.fullJid = str(r->element[3]);
  out.info = str(r->element[4]);
  out.unacked = strings(r->element[5]);
  return TakeoverOutcome::kTaken;
}

std::vector<ExpiredSession> parseExpired(const redisReply* r) {
  std::vector<ExpiredSession> out;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 6) continue;
    out.push_back({str(e->element[0]), str(e->element[1]), str(e->element[2]), str(e->element[3]),
                   str(e->element[4]), strings(e->element[5])});
  }
  return out;
}

}  // namespace resumable

namespace {
std::vector<std::string_view> views(const RedisCommand& c) { return {c.begin(), c.end()}; }
}  // namespace

Expected<bool, storage::StoreError> ResumableSessions::detach(const std::string& id,
                                                              const std::string& sessionId) {
  const RedisCommand c = resumable::detach(id, sessionId, -1, std::chrono::system_clock::now());
  return pool_.run([&](RedisConnection& conn) -> Expected<bool, storage::StoreError> {
    auto r = conn.command(views(c));
    if (!r) return unexpected(r.error());
    return resumable::integerOf(r->get()) == 1;  // not 3: gone, the session must end
  });
}

Expected<long long, storage::StoreError> ResumableSessions::queue(const std::string& id,
                                                                  const std::string& entry) {
  const RedisCommand c = resumable::queue(id, entry);
  return pool_.run([&](RedisConnection& conn) -> Expected<long long, storage::StoreError> {
    auto r = conn.command(views(c));
    if (!r) return unexpected(r.error());
    return resumable::integerOf(r->get());
  });
}

Expected<std::vector<ExpiredSession>, storage::StoreError> ResumableSessions::expireDue(
    size_t limit) {
  const RedisCommand c = resumable::expireDue(std::chrono::system_clock::now(), limit);
  return pool_.run(
      [&](RedisConnection& conn) -> Expected<std::vector<ExpiredSession>, storage::StoreError> {
        auto r = conn.command(views(c));
        if (!r) return unexpected(r.error());
        return resumable::parseExpired(r->get());
      });
}

}  // namespace xmpp::storage_redis

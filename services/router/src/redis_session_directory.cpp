#include "redis_session_directory.hpp"

namespace xmpp::router {

using storage::StoreError;
using storage_redis::RedisConnection;
using storage_redis::Reply;

namespace {

constexpr char kSep = '\x1f';

// Splits "<gateway>\x1f<session>\x1f<bytes>"; false if malformed.
bool decodeValue(std::string_view v, v1::SessionInfo& out) {
  auto a = v.find(kSep);
  if (a == std::string_view::npos) return false;
  auto b = v.find(kSep, a + 1);
  if (b == std::string_view::npos) return false;
  std::string_view bytes = v.substr(b + 1);
  return out.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

std::string encodeValue(const v1::SessionInfo& s) {
  std::string v = s.gateway_id();
  v += kSep;
  v += s.session_id();
  v += kSep;
  v += s.SerializeAsString();
  return v;
}

std::string sessKey(const std::string& bare) { return "xmpp:sess:" + bare; }
std::string gwSessKey(const std::string& gw) { return "xmpp:gwsess:" + gw; }
std::string memberPrefix(const std::string& bare, const std::string& resource) {
  return bare + kSep + resource + kSep;
}

// Lua: the session id sits between the first and second \x1f of a stored value.
constexpr const char* kSidOf = R"lua(
local function parts(v)
  local a = string.find(v, '\31', 1, true)
  local b = string.find(v, '\31', a + 1, true)
  return string.sub(v, 1, a - 1), string.sub(v, a + 1, b - 1)
end
)lua";

const std::string kBindScript = std::string(kSidOf) + R"lua(
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', 'xmpp:inv', ARGV[5])
redis.call('SADD', KEYS[2], ARGV[3] .. ARGV[4])
if old then
  local gw, sid = parts(old)
  if sid ~= ARGV[4] then redis.call('SREM', 'xmpp:gwsess:' .. gw, ARGV[3] .. sid) end
  return old
end
return false
)lua";

const std::string kUpdateScript = std::string(kSidOf) + R"lua(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local gw, sid = parts(cur)
if sid ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', 'xmpp:inv', ARGV[4])
return 1
)lua";

const std::string kRemoveScript = std::string(kSidOf) + R"lua(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local gw, sid = parts(cur)
if sid ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', 'xmpp:gwsess:' .. gw, ARGV[3] .. sid)
redis.call('PUBLISH', 'xmpp:inv', ARGV[4])
return 1
)lua";

// As kRemoveScript, but only if the value is still the one read (ARGV[2]).
const std::string kRemoveUnchangedScript = std::string(kSidOf) + R"lua(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur ~= ARGV[2] then return 0 end
local gw, sid = parts(cur)
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', 'xmpp:gwsess:' .. gw, ARGV[3] .. sid)
redis.call('PUBLISH', 'xmpp:inv', ARGV[4])
return 1
)lua";

// A cleaned-up gateway leaves the registry unless it is back (its heartbeat key exists):
// index entries whose session is gone go; the index and the registry entry go once empty.
const char* kFinishCleanupScript = R"lua(
redis.call('DEL', KEYS[3])
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local a = string.find(m, '\31', 1, true)
  local b = string.find(m, '\31', a + 1, true)
  local bare, resource, sid = string.sub(m, 1, a - 1), string.sub(m, a + 1, b - 1), string.sub(m, b + 1)
  local v = redis.call('HGET', 'xmpp:sess:' .. bare, resource)
  if not v or not string.find(v, '\31' .. sid .. '\31', 1, true) then redis.call('SREM', KEYS[2], m) end
end
if redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('SREM', 'xmpp:gateways', ARGV[1])
  return 1
end
return 0
)lua";

// The directory's epoch: set once by whoever finds it missing. A new value means Redis lost
// its data (a restart without persistence): every session must be announced again.
const char* kEpochScript = R"lua(
local v = redis.call('GET', 'xmpp:epoch')
if v then return v end
redis.call('SET', 'xmpp:epoch', ARGV[1])
return ARGV[1]
)lua";

std::map<std::string, v1::SessionInfo> decodeHash(const redisReply& r) {
  std::map<std::string, v1::SessionInfo> out;
  if (r.type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i + 1 < r.elements; i += 2) {
    v1::SessionInfo s;
    const redisReply* k = r.element[i];
    const redisReply* v = r.element[i + 1];
    if (decodeValue(std::string_view(v->str, v->len), s)) {
      out.emplace(std::string(k->str, k->len), std::move(s));
    }
  }
  return out;
}

}  // namespace

std::pair<std::string, std::string> splitFullJid(const std::string& fullJid) {
  auto slash = fullJid.find('/');
  if (slash == std::string::npos) return {fullJid, {}};
  return {fullJid.substr(0, slash), fullJid.substr(slash + 1)};
}

Expected<std::map<std::string, v1::SessionInfo>, StoreError> RedisSessionDirectory::sessions(
    const std::string& bareJid) {
  return pool_.run(
      [&](RedisConnection& c) -> Expected<std::map<std::string, v1::SessionInfo>, StoreError> {
        const std::string key = sessKey(bareJid);
        auto r = c.command({"HGETALL", key});
        if (!r) return unexpected(r.error());
        return decodeHash(**r);
      });
}

Expected<std::map<std::string, std::map<std::string, v1::SessionInfo>>, StoreError>
RedisSessionDirectory::sessionsOf(const std::vector<std::string>& bareJids) {
  using Result = std::map<std::string, std::map<std::string, v1::SessionInfo>>;
  if (bareJids.empty()) return Result{};
  return pool_.run([&](RedisConnection& c) -> Expected<Result, StoreError> {
    std::vector<std::string> keys;
    keys.reserve(bareJids.size());
    for (const auto& b : bareJids) keys.push_back(sessKey(b));
    std::vector<std::vector<std::string_view>> cmds;
    cmds.reserve(keys.size());
    for (const auto& k : keys) cmds.push_back({"HGETALL", k});
    auto replies = c.pipeline(cmds);  // one round trip for the whole fan-out
    if (!replies) return unexpected(replies.error());
    Result out;
    for (size_t i = 0; i < bareJids.size(); ++i) {
      auto sessions = decodeHash(*(*replies)[i]);
      if (!sessions.empty()) out.emplace(bareJids[i], std::move(sessions));
    }
    return out;
  });
}

Expected<std::optional<v1::SessionInfo>, StoreError> RedisSessionDirectory::bind(
    const std::string& bareJid, const std::string& resource, const v1::SessionInfo& session) {
  return pool_.run([&](RedisConnection& c) -> Expected<std::optional<v1::SessionInfo>, StoreError> {
    const std::string key = sessKey(bareJid), gwKey = gwSessKey(session.gateway_id());
    const std::string value = encodeValue(session), prefix = memberPrefix(bareJid, resource);
    auto r = c.command({"EVAL", kBindScript, "2", key, gwKey, resource, value, prefix,
                        session.session_id(), bareJid});
    if (!r) return unexpected(r.error());
    if ((*r)->type != REDIS_REPLY_STRING) return std::optional<v1::SessionInfo>{};
    v1::SessionInfo old;
    if (!decodeValue(std::string_view((*r)->str, (*r)->len), old)) {
      return std::optional<v1::SessionInfo>{};
    }
    if (old.session_id() == session.session_id()) return std::optional<v1::SessionInfo>{};
    return std::optional<v1::SessionInfo>(std::move(old));
  });
}

storage::StoreStatus RedisSessionDirectory::update(const std::string& bareJid,
                                                   const std::string& resource,
                                                   const v1::SessionInfo& session) {
  return pool_.run([&](RedisConnection& c) -> storage::StoreStatus {
    const std::string key = sessKey(bareJid), value = encodeValue(session);
    auto r = c.command(
        {"EVAL", kUpdateScript, "1", key, resource, value, session.session_id(), bareJid});
    if (!r) return unexpected(r.error());
    if ((*r)->integer == 0) return unexpected(StoreError::kNotFound);
    return std::monostate{};
  });
}

Expected<bool, StoreError> RedisSessionDirectory::remove(const std::string& bareJid,
                                                         const std::string& resource,
                                                         const std::string& sessionId) {
  return pool_.run([&](RedisConnection& c) -> Expected<bool, StoreError> {
    const std::string key = sessKey(bareJid), prefix = memberPrefix(bareJid, resource);
    auto r = c.command({"EVAL", kRemoveScript, "1", key, resource, sessionId, prefix, bareJid});
    if (!r) return unexpected(r.error());
    return (*r)->integer == 1;
  });
}

Expected<bool, StoreError> RedisSessionDirectory::removeUnchanged(const std::string& bareJid,
                                                                  const std::string& resource,
                                                                  const v1::SessionInfo& read) {
  return pool_.run([&](RedisConnection& c) -> Expected<bool, StoreError> {
    const std::string key = sessKey(bareJid), prefix = memberPrefix(bareJid, resource);
    const std::string value = encodeValue(read);
    auto r =
        c.command({"EVAL", kRemoveUnchangedScript, "1", key, resource, value, prefix, bareJid});
    if (!r) return unexpected(r.error());
    return (*r)->integer == 1;
  });
}

Expected<bool, StoreError> RedisSessionDirectory::finishCleanup(const std::string& gatewayId) {
  return pool_.run([&](RedisConnection& c) -> Expected<bool, StoreError> {
    const std::string alive = "xmpp:gw:" + gatewayId, index = gwSessKey(gatewayId),
                      claim = "xmpp:gwclean:" + gatewayId;
    auto r = c.command({"EVAL", kFinishCleanupScript, "3", alive, index, claim, gatewayId});
    if (!r) return unexpected(r.error());
    return (*r)->integer == 1;
  });
}

Expected<std::string, StoreError> RedisSessionDirectory::epoch(const std::string& candidate) {
  return pool_.run([&](RedisConnection& c) -> Expected<std::string, StoreError> {
    auto r = c.command({"EVAL", kEpochScript, "0", candidate});
    if (!r) return unexpected(r.error());
    if ((*r)->type != REDIS_REPLY_STRING) return unexpected(StoreError::kUnavailable);
    return std::string((*r)->str, (*r)->len);
  });
}

storage::StoreStatus RedisSessionDirectory::heartbeat(const std::string& gatewayId,
                                                      std::chrono::seconds ttl) {
  return pool_.run([&](RedisConnection& c) -> storage::StoreStatus {
    const std::string key = "xmpp:gw:" + gatewayId, ttlText = std::to_string(ttl.count());
    auto r = c.pipeline({{"SET", key, "1", "EX", ttlText}, {"SADD", "xmpp:gateways", gatewayId}});
    if (!r) return unexpected(r.error());
    return std::monostate{};
  });
}

Expected<std::vector<std::string>, StoreError> RedisSessionDirectory::deadGateways() {
  return pool_.run([&](RedisConnection& c) -> Expected<std::vector<std::string>, StoreError> {
    auto members = c.command({"SMEMBERS", "xmpp:gateways"});
    if (!members) return unexpected(members.error());
    std::vector<std::string> ids, keys, dead;
    for (size_t i = 0; i < (*members)->elements; ++i) {
      ids.emplace_back((*members)->element[i]->str, (*members)->element[i]->len);
      keys.push_back("xmpp:gw:" + ids.back());
    }
    if (ids.empty()) return dead;
    std::vector<std::vector<std::string_view>> cmds;
    for (const auto& k : keys) cmds.push_back({"EXISTS", k});
    auto exists = c.pipeline(cmds);
    if (!exists) return unexpected(exists.error());
    for (size_t i = 0; i < ids.size(); ++i) {
      if ((*exists)[i]->integer == 0) dead.push_back(ids[i]);
    }
    return dead;
  });
}

storage::StoreStatus RedisSessionDirectory::expireSoon(const std::string& gatewayId,
                                                       std::chrono::seconds ttl) {
  return pool_.run([&](RedisConnection& c) -> storage::StoreStatus {
    const std::string key = "xmpp:gw:" + gatewayId, ttlText = std::to_string(ttl.count());
    auto r = c.command({"EXPIRE", key, ttlText});
    if (!r) return unexpected(r.error());
    return std::monostate{};
  });
}

storage::StoreStatus RedisSessionDirectory::releaseClaim(const std::string& gatewayId) {
  return pool_.run([&](RedisConnection& c) -> storage::StoreStatus {
    const std::string key = "xmpp:gwclean:" + gatewayId;
    auto r = c.command({"DEL", key});
    if (!r) return unexpected(r.error());
    return std::monostate{};
  });
}

Expected<bool, StoreError> RedisSessionDirectory::claimCleanup(const std::string& gatewayId) {
  return pool_.run([&](RedisConnection& c) -> Expected<bool, StoreError> {
    const std::string key = "xmpp:gwclean:" + gatewayId;
    auto r = c.command({"SET", key, "1", "NX", "EX", "30"});
    if (!r) return unexpected(r.error());
    return (*r)->type == REDIS_REPLY_STATUS;  // "OK"; nil when someone else holds it
  });
}

Expected<std::vector<v1::SessionInfo>, StoreError> RedisSessionDirectory::sessionsOfGateway(
    const std::string& gatewayId) {
  return pool_.run([&](RedisConnection& c) -> Expected<std::vector<v1::SessionInfo>, StoreError> {
    const std::string key = gwSessKey(gatewayId);
    auto members = c.command({"SMEMBERS", key});
    if (!members) return unexpected(members.error());
    struct Ref {
      std::string key, resource, sessionId;
    };
    std::vector<Ref> refs;
    for (size_t i = 0; i < (*members)->elements; ++i) {
      std::string m((*members)->element[i]->str, (*members)->element[i]->len);
      auto a = m.find(kSep), b = m.rfind(kSep);
      if (a == std::string::npos || a == b) continue;
      refs.push_back({sessKey(m.substr(0, a)), m.substr(a + 1, b - a - 1), m.substr(b + 1)});
    }
    std::vector<v1::SessionInfo> out;
    if (refs.empty()) return out;
    std::vector<std::vector<std::string_view>> cmds;
    for (const auto& r : refs) cmds.push_back({"HGET", r.key, r.resource});
    auto values = c.pipeline(cmds);
    if (!values) return unexpected(values.error());
    for (size_t i = 0; i < refs.size(); ++i) {
      const redisReply* v = (*values)[i].get();
      v1::SessionInfo s;
      if (v->type == REDIS_REPLY_STRING && decodeValue(std::string_view(v->str, v->len), s) &&
          s.session_id() == refs[i].sessionId) {
        out.push_back(std::move(s));
      }
    }
    return out;
  });
}

}  // namespace xmpp::router

#include "caching_session_directory.hpp"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <string_view>

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {

CachingSessionDirectory::CachingSessionDirectory(SessionDirectory& inner,
                                                 storage_redis::RedisOptions subscriber,
                                                 Options options)
    : inner_(inner),
      subscriberOptions_(std::move(subscriber)),
      options_(options),
      subscriber_([this] { subscribeLoop(); }) {}

CachingSessionDirectory::~CachingSessionDirectory() {
  stop_ = true;
  subscriber_.join();
}

void CachingSessionDirectory::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
  invalidations_.clear();
  ++epoch_;
}

void CachingSessionDirectory::invalidate(const std::string& bareJid) {
  std::lock_guard lock(mu_);
  entries_.erase(bareJid);
  ++invalidations_[bareJid];
  if (invalidations_.size() > options_.maxEntries) {
    // Forget the counters; the epoch makes every fill in flight stale instead.
    invalidations_.clear();
    ++epoch_;
  }
}

CachingSessionDirectory::Ticket CachingSessionDirectory::ticket(const std::string& bareJid) {
  std::lock_guard lock(mu_);
  auto it = invalidations_.find(bareJid);
  return {epoch_, it == invalidations_.end() ? 0 : it->second};
}

std::optional<CachingSessionDirectory::Sessions> CachingSessionDirectory::lookup(
    const std::string& bareJid) {
  if (!subscribed_) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = entries_.find(bareJid);
  if (it == entries_.end()) return std::nullopt;
  if (std::chrono::steady_clock::now() - it->second.filled > options_.maxAge) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.sessions;
}

void CachingSessionDirectory::fill(const std::string& bareJid, const Ticket& t,
                                   const Sessions& sessions) {
  if (!subscribed_) return;
  std::lock_guard lock(mu_);
  auto it = invalidations_.find(bareJid);
  const uint64_t now = it == invalidations_.end() ? 0 : it->second;
  if (epoch_ != t.epoch || now != t.invalidations) return;  // raced an invalidation
  if (entries_.size() >= options_.maxEntries) entries_.clear();
  entries_[bareJid] = Entry{sessions, std::chrono::steady_clock::now()};
}

Expected<std::map<std::string, v1::SessionInfo>, storage::StoreError>
CachingSessionDirectory::sessions(const std::string& bareJid) {
  if (auto cached = lookup(bareJid)) {
    ++hits_;
    return std::move(*cached);
  }
  ++misses_;
  const Ticket t = ticket(bareJid);
  auto r = inner_.sessions(bareJid);
  if (r) fill(bareJid, t, *r);
  return r;
}

Expected<std::map<std::string, std::map<std::string, v1::SessionInfo>>, storage::StoreError>
CachingSessionDirectory::sessionsOf(const std::vector<std::string>& bareJids) {
  std::map<std::string, Sessions> out;
  std::vector<std::string> missing;
  std::vector<Ticket> tickets;
  for (const auto& b : bareJids) {
    if (auto cached = lookup(b)) {
      ++hits_;
      if (!cached->empty()) out.emplace(b, std::move(*cached));
    } else {
      ++misses_;
      missing.push_back(b);
      tickets.push_back(ticket(b));
    }
  }
  if (missing.empty()) return out;
  auto r = inner_.sessionsOf(missing);  // still one round trip for all misses
  if (!r) return unexpected(r.error());
  for (size_t i = 0; i < missing.size(); ++i) {
    auto it = r->find(missing[i]);
    const Sessions found = it == r->end() ? Sessions{} : it->second;
    fill(missing[i], tickets[i], found);
    if (!found.empty()) out.emplace(missing[i], found);
  }
  return out;
}

Expected<std::optional<v1::SessionInfo>, storage::StoreError> CachingSessionDirectory::bind(
    const std::string& bareJid, const std::string& resource, const v1::SessionInfo& session) {
  auto r = inner_.bind(bareJid, resource, session);
  invalidate(bareJid);  // ours at once; other routers through the channel
  return r;
}

storage::StoreStatus CachingSessionDirectory::update(const std::string& bareJid,
                                                     const std::string& resource,
                                                     const v1::SessionInfo& session) {
  auto r = inner_.update(bareJid, resource, session);
  invalidate(bareJid);
  return r;
}

Expected<bool, storage::StoreError> CachingSessionDirectory::remove(const std::string& bareJid,
                                                                    const std::string& resource,
                                                                    const std::string& sessionId) {
  auto r = inner_.remove(bareJid, resource, sessionId);
  invalidate(bareJid);
  return r;
}

Expected<bool, storage::StoreError> CachingSessionDirectory::removeUnchanged(
    const std::string& bareJid, const std::string& resource, const v1::SessionInfo& read) {
  auto r = inner_.removeUnchanged(bareJid, resource, read);
  invalidate(bareJid);
  return r;
}

void CachingSessionDirectory::subscribeLoop() {
  const timeval timeout{0, 200'000};  // wake up to notice stop_
  while (!stop_) {
    redisContext* c = redisConnectWithTimeout(subscriberOptions_.host.c_str(),
                                              subscriberOptions_.port, timeval{2, 0});
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    auto* reply = static_cast<redisReply*>(redisCommand(c, "SUBSCRIBE xmpp:inv"));
    if (reply == nullptr) {
      redisFree(c);
      continue;
    }
    freeReplyObject(reply);
    redisSetTimeout(c, timeout);
    // Anything cached before the subscription may have missed an invalidation.
    clear();
    subscribed_ = true;
    while (!stop_) {
      void* r = nullptr;
      if (redisGetReply(c, &r) != REDIS_OK) {
        const bool timedOut =
            c->err == REDIS_ERR_IO &&
            (errno == EAGAIN || errno == EWOULDBLOCK ||
             std::string_view(c->errstr).find("temporarily") != std::string_view::npos);
        if (timedOut) {
          c->err = 0;  // a read timeout: keep listening
          continue;
        }
        break;
      }
      auto* m = static_cast<redisReply*>(r);
      if (m->type == REDIS_REPLY_ARRAY && m->elements == 3 &&
          m->element[2]->type == REDIS_REPLY_STRING) {
        invalidate(std::string(m->element[2]->str, m->element[2]->len));
      }
      freeReplyObject(m);
    }
    subscribed_ = false;
    clear();
    redisFree(c);
    if (!stop_) runtime::logWarn("session cache: invalidation channel lost, reconnecting");
  }
}

}  // namespace xmpp::router

#include "redis_invalidation_feed.hpp"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <set>
#include <string_view>

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {

RedisInvalidationFeed::RedisInvalidationFeed(storage_redis::RedisOptions subscriber,
                                             storage_redis::RedisPool& publisher,
                                             std::function<void()> onPublishFailed)
    : subscriberOptions_(std::move(subscriber)),
      publisher_(publisher),
      onPublishFailed_(std::move(onPublishFailed)) {}

RedisInvalidationFeed::~RedisInvalidationFeed() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

int RedisInvalidationFeed::listen(const std::string& channel, Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.emplace(++nextId_, Registered{channel, std::move(listener)});
  return nextId_;
}

void RedisInvalidationFeed::unlisten(int id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

std::vector<std::string> RedisInvalidationFeed::channels() {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [id, r] : listeners_) out.insert(r.channel);
  return {out.begin(), out.end()};
}

void RedisInvalidationFeed::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

bool RedisInvalidationFeed::publish(const std::string& channel, const std::string& key) {
  auto r = publisher_.run([&](storage_redis::RedisConnection& c) {
    return c.command({"PUBLISH", channel, key});
  });
  if (!r && onPublishFailed_) onPublishFailed_();
  return r.has_value();
}

void RedisInvalidationFeed::resetAll() {
  std::lock_guard lock(mu_);
  for (auto& [id, r] : listeners_) r.listener.reset();
}

void RedisInvalidationFeed::dispatch(const std::string& channel, const std::string& key) {
  std::lock_guard lock(mu_);
  for (auto& [id, r] : listeners_) {
    if (r.channel == channel) r.listener.evict(key);
  }
}

void RedisInvalidationFeed::run() {
  const timeval timeout{0, 200'000};  // wake up to notice stop_
  while (!stop_) {
    redisContext* c = redisConnectWithTimeout(subscriberOptions_.host.c_str(),
                                              subscriberOptions_.port, timeval{2, 0});
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    const std::vector<std::string> subscribed = channels();
    if (subscribed.empty()) {
      redisFree(c);
      return;  // nothing to listen for
    }
    std::vector<const char*> argv{"SUBSCRIBE"};
    for (const auto& channel : subscribed) argv.push_back(channel.c_str());
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), nullptr));
    if (reply == nullptr) {
      redisFree(c);
      continue;
    }
    freeReplyObject(reply);
    // One confirmation per channel; the first came back as the command's reply.
    for (size_t i = 1; i < subscribed.size(); ++i) {
      void* confirmation = nullptr;
      if (redisGetReply(c, &confirmation) == REDIS_OK) freeReplyObject(confirmation);
    }
    redisSetTimeout(c, timeout);
    // Anything cached before the subscription may have missed an invalidation.
    resetAll();
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
          m->element[1]->type == REDIS_REPLY_STRING && m->element[2]->type == REDIS_REPLY_STRING) {
        dispatch(std::string(m->element[1]->str, m->element[1]->len),
                 std::string(m->element[2]->str, m->element[2]->len));
      }
      freeReplyObject(m);
    }
    subscribed_ = false;
    resetAll();
    redisFree(c);
    if (!stop_) runtime::logWarn("cache invalidation channel lost, reconnecting");
  }
}

}  // namespace xmpp::router

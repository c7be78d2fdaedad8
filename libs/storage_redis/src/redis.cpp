#include "xmpp/storage_redis/redis.hpp"

namespace xmpp::storage_redis {

using storage::StoreError;

namespace {

timeval toTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

void argvOf(const std::vector<std::string_view>& args, std::vector<const char*>& argv,
            std::vector<size_t>& lens) {
  argv.clear();
  lens.clear();
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
}

}  // namespace

Expected<Reply, StoreError> RedisConnection::command(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argvOf(args, argv, lens);
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (r == nullptr) {
    broken_ = true;
    return unexpected(StoreError::kUnavailable);
  }
  Reply reply(r);
  if (reply->type == REDIS_REPLY_ERROR) return unexpected(StoreError::kInternal);
  return reply;
}

Expected<std::vector<Reply>, StoreError> RedisConnection::pipeline(
    const std::vector<std::vector<std::string_view>>& commands, bool errorsAsReplies) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& args : commands) {
    argvOf(args, argv, lens);
    if (redisAppendCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      broken_ = true;
      return unexpected(StoreError::kUnavailable);
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  bool error = false;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* r = nullptr;
    if (redisGetReply(c_, &r) != REDIS_OK || r == nullptr) {
      broken_ = true;
      return unexpected(StoreError::kUnavailable);
    }
    replies.emplace_back(static_cast<redisReply*>(r));
    error = error || replies.back()->type == REDIS_REPLY_ERROR;
  }
  if (error && !errorsAsReplies) return unexpected(StoreError::kInternal);
  return replies;
}

RedisOptions parseRedisAddress(const std::string& address) {
  RedisOptions o;
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    o.host = address;
  } else {
    o.host = address.substr(0, colon);
    o.port = std::stoi(address.substr(colon + 1));
  }
  return o;
}

RedisPool::RedisPool(RedisOptions options) : options_(std::move(options)) {}

RedisPool::~RedisPool() {
  for (auto* c : idle_) redisFree(c);
}

redisContext* RedisPool::acquire(StoreError& why) {
  redisContext* c = nullptr;
  {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, options_.timeout,
                      [&] { return !idle_.empty() || leased_ < options_.size; })) {
      why = StoreError::kUnavailable;
      if (options_.onError) options_.onError("pool_exhausted");
      return nullptr;
    }
    ++leased_;
    if (!idle_.empty()) {
      c = idle_.back();
      idle_.pop_back();
    }
  }
  if (c == nullptr) {
    c = redisConnectWithTimeout(options_.host.c_str(), options_.port, toTimeval(options_.timeout));
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      if (options_.onError) options_.onError("connect");
      release(nullptr, true);
      why = StoreError::kUnavailable;
      return nullptr;
    }
    redisSetTimeout(c, toTimeval(options_.timeout));
  }
  return c;
}

void RedisPool::release(redisContext* c, bool broken) {
  {
    std::lock_guard lock(mu_);
    --leased_;
    if (c != nullptr) {
      if (broken || c->err != 0) {
        redisFree(c);
        if (options_.onError) options_.onError("broken");
      } else {
        idle_.push_back(c);
      }
    }
  }
  cv_.notify_one();
}

bool RedisPool::healthy() {
  auto r = run([](RedisConnection& c) -> Expected<bool, StoreError> {
    auto reply = c.command({"PING"});
    if (!reply) return unexpected(reply.error());
    return true;
  });
  return r.has_value();
}

}  // namespace xmpp::storage_redis

#pragma once
// A small hiredis connection pool. Contexts are not thread-safe, so each call leases one;
// an I/O error drops it (kUnavailable at once) and the next call reconnects, as PgPool does.

#include <hiredis/hiredis.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage_redis {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

/// One leased connection.
class RedisConnection {
 public:
  explicit RedisConnection(redisContext* c) : c_(c) {}
  /// One command, binary-safe arguments. A Redis error reply maps to kInternal.
  Expected<Reply, storage::StoreError> command(const std::vector<std::string_view>& args);
  /// Several commands in one round trip; replies in order. An error reply fails the whole
  /// call (kInternal) unless `errorsAsReplies`, which leaves them to the caller.
  Expected<std::vector<Reply>, storage::StoreError> pipeline(
      const std::vector<std::vector<std::string_view>>& commands, bool errorsAsReplies = false);
  bool broken() const { return broken_; }

 private:
  redisContext* c_;
  bool broken_ = false;
};

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  size_t size = 4;
  std::chrono::milliseconds timeout{2000};  // connect and command timeout
  std::function<void(std::string_view kind)> onError = {};
  std::function<void(double seconds)> onDuration = {};  // per run() call
};

/// "host:port" -> options (port defaults to 6379).
RedisOptions parseRedisAddress(const std::string& address);

class RedisPool {
 public:
  explicit RedisPool(RedisOptions options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  /// Runs f(RedisConnection&) -> Expected<T, StoreError> on a leased connection.
  template <class F>
  auto run(F&& f) -> std::invoke_result_t<F, RedisConnection&> {
    const auto start = std::chrono::steady_clock::now();
    storage::StoreError why{};
    redisContext* c = acquire(why);
    if (c == nullptr) return unexpected(why);
    RedisConnection conn(c);
    auto result = f(conn);
    release(c, conn.broken());
    if (options_.onDuration) {
      options_.onDuration(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return result;
  }

  bool healthy();

 private:
  redisContext* acquire(storage::StoreError& why);
  void release(redisContext* c, bool broken);

  RedisOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<redisContext*> idle_;
  size_t leased_ = 0;
};

}  // namespace xmpp::storage_redis

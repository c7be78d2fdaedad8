#pragma once
// The InvalidationFeed over Redis pub/sub: one subscriber thread for every channel that was
// listened to, reconnecting when the connection drops (every listener is reset then, and the
// feed is inactive until it has subscribed again); publishing goes through the shared pool.

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "invalidation_feed.hpp"
#include "xmpp/storage_redis/redis.hpp"

namespace xmpp::router {

class RedisInvalidationFeed final : public InvalidationFeed {
 public:
  /// `subscriber`: where to subscribe (a connection of its own); `publisher`: the pool;
  /// `onPublishFailed`: metrics.
  RedisInvalidationFeed(storage_redis::RedisOptions subscriber, storage_redis::RedisPool& publisher,
                        std::function<void()> onPublishFailed = {});
  ~RedisInvalidationFeed() override;
  RedisInvalidationFeed(const RedisInvalidationFeed&) = delete;
  RedisInvalidationFeed& operator=(const RedisInvalidationFeed&) = delete;

  int listen(const std::string& channel, Listener listener) override;
  void unlisten(int id) override;
  bool active() const override { return subscribed_.load(); }
  bool publish(const std::string& channel, const std::string& key) override;

  /// Starts the subscriber thread (after every listen()).
  void start();

 private:
  void run();
  void resetAll();
  void dispatch(const std::string& channel, const std::string& key);
  std::vector<std::string> channels();

  storage_redis::RedisOptions subscriberOptions_;
  storage_redis::RedisPool& publisher_;
  std::function<void()> onPublishFailed_;
  std::mutex mu_;  // listeners are called under it, so unlisten() waits for a call to end
  struct Registered {
    std::string channel;
    Listener listener;
  };
  std::map<int, Registered> listeners_;
  int nextId_ = 0;
  std::atomic<bool> subscribed_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace xmpp::router

#pragma once
// Invalidation messages shared by every router: a router that changes what other routers
// may have cached (a user's sessions, a user's presence targets) announces the key on a
// channel, and every router's cache evicts it. In the service the feed is Redis pub/sub
// (redis_invalidation_feed.hpp); tests use an in-process one.

#include <functional>
#include <string>

namespace xmpp::router {

class InvalidationFeed {
 public:
  struct Listener {
    std::function<void(const std::string& key)> evict;
    /// Messages may have been missed (the feed (re)subscribed or lost its subscription):
    /// forget everything.
    std::function<void()> reset;
  };

  virtual ~InvalidationFeed() = default;
  /// Registers `listener` for `channel` (channels are those listened to when the feed
  /// starts); returns the id that unlisten() takes.
  virtual int listen(const std::string& channel, Listener listener) = 0;
  /// After it returns, the listener is never called again (its owner may go).
  virtual void unlisten(int id) = 0;
  /// True while messages are being received; a cache may serve reads only then.
  virtual bool active() const = 0;
  /// Announces that `key` changed: every listener of `channel`, in every router, evicts it.
  /// False when the announcement could not be sent (other routers learn at their entries'
  /// maximum age).
  virtual bool publish(const std::string& channel, const std::string& key) = 0;
};

}  // namespace xmpp::router

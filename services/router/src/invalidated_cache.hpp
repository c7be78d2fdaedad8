#pragma once
// A bounded per-router cache of values keyed by bare JID, kept true by an InvalidationFeed.
// Correctness rules:
//  - a fill that raced an invalidation of the same key is not stored (per-key counters,
//    taken as a Ticket before the backend read);
//  - while the feed is inactive (not yet or no longer subscribed) the cache is bypassed, and
//    the feed's reset empties it, since invalidations may be missed then;
//  - entries expire after `maxAge` as a last safety net; the cache is bounded in entries.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "invalidation_feed.hpp"

namespace xmpp::router {

struct CacheOptions {
  std::chrono::milliseconds maxAge{30'000};
  size_t maxEntries = 200'000;
  std::function<void(bool hit)> onLookup = {};  // metrics
};

template <class V>
class InvalidatedCache {
 public:
  /// The state a fill started from: stored only if nothing invalidated the key meanwhile.
  struct Ticket {
    uint64_t epoch;
    uint64_t invalidations;
  };

  InvalidatedCache(InvalidationFeed& feed, const std::string& channel, CacheOptions options)
      : feed_(feed),
        options_(std::move(options)),
        listener_(
            feed_.listen(channel, {.evict = [this](const std::string& key) { invalidate(key); },
                                   .reset = [this] { clear(); }})) {}
  ~InvalidatedCache() { feed_.unlisten(listener_); }
  InvalidatedCache(const InvalidatedCache&) = delete;
  InvalidatedCache& operator=(const InvalidatedCache&) = delete;

  std::optional<V> lookup(const std::string& key) {
    std::optional<V> found = find(key);
    (found ? hits_ : misses_)++;
    if (options_.onLookup) options_.onLookup(found.has_value());
    return found;
  }

  Ticket ticket(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = invalidations_.find(key);
    return {epoch_, it == invalidations_.end() ? 0 : it->second};
  }

  void fill(const std::string& key, const Ticket& t, V value) {
    if (!feed_.active()) return;
    std::lock_guard lock(mu_);
    auto it = invalidations_.find(key);
    const uint64_t now = it == invalidations_.end() ? 0 : it->second;
    if (epoch_ != t.epoch || now != t.invalidations) return;  // raced an invalidation
    if (entries_.size() >= options_.maxEntries) entries_.clear();
    entries_[key] = Entry{std::move(value), std::chrono::steady_clock::now()};
  }

  void invalidate(const std::string& key) {
    std::lock_guard lock(mu_);
    entries_.erase(key);
    ++invalidations_[key];
    if (invalidations_.size() > options_.maxEntries) {
      // Forget the counters; the epoch makes every fill in flight stale instead.
      invalidations_.clear();
      ++epoch_;
    }
  }

  void clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
    invalidations_.clear();
    ++epoch_;
  }

  bool active() const { return feed_.active(); }
  uint64_t hits() const { return hits_.load(); }
  uint64_t misses() const { return misses_.load(); }

 private:
  struct Entry {
    V value;
    std::chrono::steady_clock::time_point filled;
  };

  std::optional<V> find(const std::string& key) {
    if (!feed_.active()) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (std::chrono::steady_clock::now() - it->second.filled > options_.maxAge) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  InvalidationFeed& feed_;
  const CacheOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, uint64_t> invalidations_;
  uint64_t epoch_ = 0;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  const int listener_;  // last: registered once everything it calls exists
};

}  // namespace xmpp::router

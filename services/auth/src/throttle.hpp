#pragma once
// Brute-force limits for every login path (SASL, XEP-0078).
//
// Failed logins are counted per account and per source address in sliding windows; reaching a
// limit locks the key out for a fixed duration. Unknown usernames are counted like real ones, so
// the lock-out behaviour does not reveal which accounts exist. Memory is bounded: each table
// tracks at most `maxTrackedKeys` keys and evicts the least recently failed one beyond that (an
// attacker able to spray that many distinct keys faster than the per-address limit allows could
// thereby shorten a lock-out; the address limit and the cap size make that expensive).
//
// Per-account lock-out also lets anyone lock a victim out for `lockout` by failing on purpose;
// that is the accepted price of stopping online guessing, and why the default lock-out is short.
//
// State is local to one replica: with N replicas behind a balancer the effective limit is up to
// N times the configured one. Thread-safe.

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "xmpp/common/clock.hpp"

namespace xmpp::auth {

struct ThrottleLimit {
  int maxFailures = 5;                   // failures within `window` that trigger a lock-out
  std::chrono::seconds window{5 * 60};   // sliding window
  std::chrono::seconds lockout{5 * 60};  // lock-out duration once the limit is reached
  std::size_t maxTrackedKeys = 100'000;  // memory cap for this table
};

struct ThrottleConfig {
  ThrottleLimit perAccount{5, std::chrono::minutes{5}, std::chrono::minutes{5}, 100'000};
  ThrottleLimit perAddress{20, std::chrono::minutes{5}, std::chrono::minutes{5}, 100'000};
  // IPv6 sources are counted per prefix of this length: one host usually owns a whole /64.
  int ipv6PrefixBits = 64;
};

struct ThrottleDecision {
  bool allowed = true;
  std::chrono::seconds retryAfter{0};  // > 0 when !allowed (rounded up to whole seconds)
};

class LoginThrottle {
 public:
  explicit LoginThrottle(const Clock& clock, ThrottleConfig config = {});

  /// Whether a login attempt for `account` (prepared username; may be empty when not known yet)
  /// from `address` (textual IP without port; may be empty when unknown) may proceed.
  ThrottleDecision check(std::string_view account, std::string_view address) const;
  void recordFailure(std::string_view account, std::string_view address);
  /// Clears the account's failures (not the address's: one success must not launder a spray).
  void recordSuccess(std::string_view account);

  std::size_t trackedAccounts() const;
  std::size_t trackedAddresses() const;

  /// The key an address is counted under: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6
  /// masked to `prefixBits`, anything unparsable unchanged.
  static std::string addressKey(std::string_view address, int prefixBits);

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  class Table {
   public:
    explicit Table(ThrottleLimit limit) : limit_(limit) {}
    Clock::TimePoint::duration lockedFor(std::string_view key, Clock::TimePoint now) const;
    void fail(std::string_view key, Clock::TimePoint now);
    void clear(std::string_view key);
    std::size_t size() const { return entries_.size(); }

   private:
    struct Entry {
      std::deque<Clock::TimePoint> failures;  // within the window, oldest first
      Clock::TimePoint lockedUntil{};
      std::list<std::string>::iterator lru;
    };
    bool stale(const Entry& e, Clock::TimePoint now) const;

    ThrottleLimit limit_;
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;
    std::list<std::string> lru_;  // front: most recently failed
  };

  const Clock& clock_;
  int ipv6PrefixBits_;
  mutable std::mutex mutex_;
  Table accounts_;   // guarded by mutex_
  Table addresses_;  // guarded by mutex_
};

}  // namespace xmpp::auth

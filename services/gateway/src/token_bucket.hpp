#pragma once
// A token bucket (like ejabberd's shapers): `rate` tokens a second, at most `burst` saved.
// Used for bytes read per connection and for connections accepted per address (issue 9,
// case 13). Not thread-safe: each user holds its own, or locks.

#include <algorithm>
#include <chrono>

namespace xmpp::gateway {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate, double burst, Clock::time_point now = Clock::now())
      : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

  /// Takes `n` tokens, into debt if need be; returns how long until the debt is paid (zero:
  /// none): the caller waits that long before it takes more.
  std::chrono::milliseconds take(double n, Clock::time_point now) {
    refill(now);
    tokens_ -= n;
    if (tokens_ >= 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(static_cast<long long>(-tokens_ * 1000.0 / rate_) + 1);
  }

  /// Takes `n` tokens if there are that many; false (nothing taken) otherwise.
  bool tryTake(double n, Clock::time_point now) {
    refill(now);
    if (tokens_ < n) return false;
    tokens_ -= n;
    return true;
  }

  /// Full again (nothing taken for long enough): may be forgotten.
  bool full(Clock::time_point now) {
    refill(now);
    return tokens_ >= burst_;
  }

 private:
  void refill(Clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - last_).count();
    if (seconds > 0) {
      tokens_ = std::min(burst_, tokens_ + seconds * rate_);
      last_ = now;
    }
  }
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace xmpp::gateway

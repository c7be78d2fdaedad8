#pragma once
// Connections per client address (issue 9, case 13): open at once, and accepted per second
// (a token bucket); past either limit a new connection gets <policy-violation/> at once.
// Thread-safe: accepts happen on any io thread.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "token_bucket.hpp"

namespace xmpp::gateway {

class AddressLimits : public std::enable_shared_from_this<AddressLimits> {
 public:
  /// `maxPerAddress` open connections (0: no limit); `acceptsPerSecond` new ones a second,
  /// `acceptBurst` at once (rate 0: no limit).
  explicit AddressLimits(size_t maxPerAddress, double acceptsPerSecond = 0, double acceptBurst = 0)
      : max_(maxPerAddress), rate_(acceptsPerSecond), burst_(std::max(1.0, acceptBurst)) {}

  struct Admission {
    std::shared_ptr<void> ticket;   // counts the connection while held; null: refused
    const char* refusal = nullptr;  // why, for the stream error's text
    explicit operator bool() const { return ticket != nullptr; }
  };
  /// A connection from `address`.
  Admission admit(const std::string& address,
                  TokenBucket::Clock::time_point now = TokenBucket::Clock::now());
  size_t count(const std::string& address) const;
  size_t tracked() const;

 private:
  struct PerAddress {
    size_t open = 0;
    TokenBucket accepts;
  };
  void release(const std::string& address);
  void pruneLocked(TokenBucket::Clock::time_point now);

  const size_t max_;
  const double rate_;
  const double burst_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, PerAddress> addresses_;  // guarded by mu_
};

}  // namespace xmpp::gateway

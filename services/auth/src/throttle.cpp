#include "throttle.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace xmpp::auth {
namespace {

ThrottleLimit sanitize(ThrottleLimit l) {
  l.maxFailures = std::max(l.maxFailures, 1);
  l.maxTrackedKeys = std::max<std::size_t>(l.maxTrackedKeys, 1);
  return l;
}

std::chrono::seconds ceilSeconds(Clock::TimePoint::duration d) {
  auto s = std::chrono::ceil<std::chrono::seconds>(d);
  return std::max(s, std::chrono::seconds{1});
}

// Stale entries at the cold end of the LRU list are dropped on each failure, a few at a time,
// so memory follows the attack rate instead of sitting at the cap.
constexpr int kStaleSweepPerCall = 8;

}  // namespace

LoginThrottle::LoginThrottle(const Clock& clock, ThrottleConfig config)
    : clock_(clock),
      ipv6PrefixBits_(std::clamp(config.ipv6PrefixBits, 0, 128)),
      accounts_(sanitize(config.perAccount)),
      addresses_(sanitize(config.perAddress)) {}

std::string LoginThrottle::addressKey(std::string_view address, int prefixBits) {
  std::string text(address);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::array<unsigned char, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) return std::string(address);

  char buf[INET6_ADDRSTRLEN] = {};
  static constexpr std::array<unsigned char, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), v6.begin())) {
    inet_ntop(AF_INET, v6.data() + 12, buf, sizeof buf);
    return buf;
  }
  const int bits = std::clamp(prefixBits, 0, 128);
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - 8 * i, 0, 8);
    v6[static_cast<std::size_t>(i)] &= static_cast<unsigned char>(0xFF00 >> keep);
  }
  inet_ntop(AF_INET6, v6.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(bits);
}

ThrottleDecision LoginThrottle::check(std::string_view account, std::string_view address) const {
  const Clock::TimePoint now = clock_.now();
  std::lock_guard lock(mutex_);
  Clock::TimePoint::duration wait{0};
  if (!account.empty()) wait = accounts_.lockedFor(account, now);
  if (!address.empty()) {
    wait = std::max(wait, addresses_.lockedFor(addressKey(address, ipv6PrefixBits_), now));
  }
  if (wait <= Clock::TimePoint::duration{0}) return {};
  return {false, ceilSeconds(wait)};
}

void LoginThrottle::recordFailure(std::string_view account, std::string_view address) {
  const Clock::TimePoint now = clock_.now();
  const std::string addrKey =
      address.empty() ? std::string() : addressKey(address, ipv6PrefixBits_);
  std::lock_guard lock(mutex_);
  if (!account.empty()) accounts_.fail(account, now);
  if (!addrKey.empty()) addresses_.fail(addrKey, now);
}

void LoginThrottle::recordSuccess(std::string_view account) {
  std::lock_guard lock(mutex_);
  accounts_.clear(account);
}

std::size_t LoginThrottle::trackedAccounts() const {
  std::lock_guard lock(mutex_);
  return accounts_.size();
}

std::size_t LoginThrottle::trackedAddresses() const {
  std::lock_guard lock(mutex_);
  return addresses_.size();
}

bool LoginThrottle::Table::stale(const Entry& e, Clock::TimePoint now) const {
  return e.lockedUntil <= now && (e.failures.empty() || e.failures.back() + limit_.window <= now);
}

Clock::TimePoint::duration LoginThrottle::Table::lockedFor(std::string_view key,
                                                           Clock::TimePoint now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.lockedUntil <= now) return Clock::TimePoint::duration{0};
  return it->second.lockedUntil - now;
}

void LoginThrottle::Table::fail(std::string_view key, Clock::TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    for (int i = 0; i < kStaleSweepPerCall && !lru_.empty(); ++i) {
      auto cold = entries_.find(lru_.back());
      if (!stale(cold->second, now)) break;
      entries_.erase(cold);
      lru_.pop_back();
    }
    if (entries_.size() >= limit_.maxTrackedKeys) {
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.emplace_front(key);
    it = entries_.emplace(lru_.front(), Entry{{}, {}, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }

  Entry& e = it->second;
  if (e.lockedUntil > now) return;  // already locked out; do not extend
  while (!e.failures.empty() && e.failures.front() + limit_.window <= now) e.failures.pop_front();
  e.failures.push_back(now);
  if (e.failures.size() >= static_cast<std::size_t>(limit_.maxFailures)) {
    e.lockedUntil = now + limit_.lockout;
    e.failures.clear();
  }
}

void LoginThrottle::Table::clear(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

}  // namespace xmpp::auth

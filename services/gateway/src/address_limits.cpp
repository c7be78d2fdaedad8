#include "address_limits.hpp"

namespace xmpp::gateway {

namespace {
// Addresses remembered at most (idle ones with a full bucket are forgotten past it).
constexpr size_t kMaxTracked = 100'000;
}  // namespace

AddressLimits::Admission AddressLimits::admit(const std::string& address,
                                              TokenBucket::Clock::time_point now) {
  {
    std::lock_guard lock(mu_);
    if (addresses_.size() >= kMaxTracked) pruneLocked(now);
    auto [it, added] =
        addresses_.try_emplace(address, PerAddress{0, TokenBucket(rate_, burst_, now)});
    PerAddress& a = it->second;
    if (max_ != 0 && a.open >= max_) return {nullptr, "too many connections from this address"};
    if (rate_ > 0 && !a.accepts.tryTake(1, now)) {
      return {nullptr, "connecting too fast from this address"};
    }
    ++a.open;
  }
  // The ticket's deleter gives the slot back; it keeps the limits alive as long as needed.
  return {std::shared_ptr<void>(static_cast<void*>(this), [self = shared_from_this(), address](
                                                              void*) { self->release(address); }),
          nullptr};
}

size_t AddressLimits::count(const std::string& address) const {
  std::lock_guard lock(mu_);
  auto it = addresses_.find(address);
  return it == addresses_.end() ? 0 : it->second.open;
}

size_t AddressLimits::tracked() const {
  std::lock_guard lock(mu_);
  return addresses_.size();
}

void AddressLimits::release(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = addresses_.find(address);
  if (it == addresses_.end() || --it->second.open > 0) return;
  // Kept while its accept bucket refills: reconnecting at once must not reset the rate.
  if (rate_ == 0 || it->second.accepts.full(TokenBucket::Clock::now())) addresses_.erase(it);
}

void AddressLimits::pruneLocked(TokenBucket::Clock::time_point now) {
  for (auto it = addresses_.begin(); it != addresses_.end();) {
    it =
        it->second.open == 0 && it->second.accepts.full(now) ? addresses_.erase(it) : std::next(it);
  }
}

}  // namespace xmpp::gateway

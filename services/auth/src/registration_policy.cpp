#include "registration_policy.hpp"

#include "throttle.hpp"

namespace xmpp::auth {

std::string RegistrationPolicy::addressKey(const std::string& address) {
  return LoginThrottle::addressKey(address, 64);  // an IPv6 /64 is one subscriber
}

RegistrationPolicy::Verdict RegistrationPolicy::check(const std::string& username,
                                                      const std::string& address) {
  auto removedAt = tombstones_.removedAt(username);
  if (!removedAt) return Verdict::kUnavailable;
  const auto now = clock_.now();
  if (*removedAt && now - **removedAt < config_.tombstoneFor) return Verdict::kNameReserved;
  if (address.empty()) return Verdict::kAllowed;
  std::lock_guard lock(mu_);
  auto it = recent_.find(addressKey(address));
  if (it == recent_.end()) return Verdict::kAllowed;
  while (!it->second.empty() && now - it->second.front() >= config_.window) {
    it->second.pop_front();
  }
  return static_cast<int>(it->second.size()) >= config_.perAddress ? Verdict::kThrottled
                                                                   : Verdict::kAllowed;
}

void RegistrationPolicy::registered(const std::string& address) {
  if (address.empty()) return;
  const std::string key = addressKey(address);
  std::lock_guard lock(mu_);
  auto [it, inserted] = recent_.try_emplace(key);
  if (inserted) {
    order_.push_back(key);
    while (recent_.size() > config_.maxAddresses && !order_.empty()) {
      recent_.erase(order_.front());
      order_.pop_front();
    }
  }
  if (recent_.contains(key)) recent_[key].push_back(clock_.now());
}

bool RegistrationPolicy::removed(const std::string& username) {
  return static_cast<bool>(tombstones_.put(username, clock_.now()));
}

}  // namespace xmpp::auth

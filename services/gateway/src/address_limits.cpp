#include "address_limits.hpp"

namespace xmpp::gateway {

std::shared_ptr<void> AddressLimits::admit(const std::string& address) {
  {
    std::lock_guard lock(mu_);
    size_t& n = open_[address];
    if (max_ != 0 && n >= max_) return nullptr;
    ++n;
  }
  // The ticket's deleter gives the slot back; it keeps the limits alive as long as needed.
  return std::shared_ptr<void>(static_cast<void*>(this), [self = shared_from_this(), address](
                                                             void*) { self->release(address); });
}

size_t AddressLimits::count(const std::string& address) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

void AddressLimits::release(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = open_.find(address);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace xmpp::gateway

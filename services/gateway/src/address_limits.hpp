#pragma once
// Connections per client address (issue 9, case 13): past the limit a new connection gets
// <policy-violation/> at once. Thread-safe: accepts happen on any io thread.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace xmpp::gateway {

class AddressLimits : public std::enable_shared_from_this<AddressLimits> {
 public:
  explicit AddressLimits(size_t maxPerAddress) : max_(maxPerAddress) {}

  /// A connection from `address`: a ticket that counts it while held, or null when the
  /// address has `maxPerAddress` connections already (0: no limit).
  std::shared_ptr<void> admit(const std::string& address);
  size_t count(const std::string& address) const;

 private:
  void release(const std::string& address);

  const size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, size_t> open_;  // guarded by mu_
};

}  // namespace xmpp::gateway

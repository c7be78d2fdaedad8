#pragma once
// Who may register, beyond a free name (XEP-0077 §3.1 with its security considerations):
// a removed account's name stays reserved for `tombstoneFor` (tombstones), and one source
// address (IPv6: its /64) registers at most `perAddress` accounts per `window`. Memory is
// bounded: at most `maxAddresses` addresses are tracked (the oldest are forgotten first).

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "xmpp/common/clock.hpp"
#include "xmpp/storage/tombstone_store.hpp"

namespace xmpp::auth {

struct RegistrationPolicyConfig {
  std::chrono::seconds tombstoneFor{30 * 24 * 3600};
  int perAddress = 5;
  std::chrono::seconds window{3600};
  std::size_t maxAddresses = 100'000;
};

class RegistrationPolicy {
 public:
  enum class Verdict { kAllowed, kNameReserved, kThrottled, kUnavailable };

  RegistrationPolicy(storage::TombstoneStore& tombstones, const Clock& clock,
                     RegistrationPolicyConfig config = {})
      : tombstones_(tombstones), clock_(clock), config_(config) {}

  /// Before an in-band registration of the prepared `username` from `address`.
  Verdict check(const std::string& username, const std::string& address);
  /// After a registration succeeded (counts against the address).
  void registered(const std::string& address);
  /// After an account was removed: its name is reserved from now on.
  bool removed(const std::string& username);

 private:
  static std::string addressKey(const std::string& address);

  storage::TombstoneStore& tombstones_;
  const Clock& clock_;
  RegistrationPolicyConfig config_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<Clock::TimePoint>> recent_;  // guarded by mu_
  std::deque<std::string> order_;                                         // guarded by mu_
};

}  // namespace xmpp::auth

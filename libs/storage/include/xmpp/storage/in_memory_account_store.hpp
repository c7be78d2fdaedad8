#pragma once
// AccountStore fake for unit tests: a std::map behind a mutex. Not for production use (no
// persistence); integration tests run against PostgreSQL instead.

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/storage/account_store.hpp"

namespace xmpp::storage {

class InMemoryAccountStore final : public AccountStore {
 public:
  StoreStatus create(const Account& account) override;
  xmpp::Expected<Account, StoreError> get(std::string_view username) override;
  StoreStatus updateCredentials(std::string_view username, const ScramCredential& sha1,
                                const ScramCredential& sha256,
                                const std::optional<std::string>& plaintext) override;
  StoreStatus remove(std::string_view username) override;
  xmpp::Expected<std::vector<std::string>, StoreError> list(ListOptions options = {}) override;
  xmpp::Expected<bool, StoreError> exists(std::string_view username) override;

  /// Test hook: while set, every call answers kUnavailable (simulates a database outage).
  void setUnavailable(bool unavailable);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Account, std::less<>> accounts_;  // guarded by mutex_
  bool unavailable_ = false;                              // guarded by mutex_
};

}  // namespace xmpp::storage

#pragma once
// PrivateStore fake for unit tests: a std::map behind a mutex.

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "xmpp/storage/private_store.hpp"

namespace xmpp::storage {

class InMemoryPrivateStore final : public PrivateStore {
 public:
  Expected<std::string, StoreError> get(std::string_view user, std::string_view ns,
                                        std::string_view name) override;
  StoreStatus set(std::string_view user, std::string_view ns, std::string_view name,
                  std::string_view elementBytes) override;
  Expected<std::size_t, StoreError> count(std::string_view user) override;
  Expected<std::size_t, StoreError> removeUser(std::string_view user) override;

  /// Test hook: while set, every call answers kUnavailable.
  void setUnavailable(bool unavailable);

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // user, ns, name
  mutable std::mutex mutex_;
  std::map<Key, std::string> elements_;  // guarded by mutex_
  bool unavailable_ = false;             // guarded by mutex_
};

}  // namespace xmpp::storage

#pragma once
// BlockListStore fake for unit tests: sets behind a mutex.

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "xmpp/storage/blocklist_store.hpp"

namespace xmpp::storage {

class InMemoryBlockListStore final : public BlockListStore {
 public:
  Expected<std::vector<std::string>, StoreError> list(std::string_view user) override;
  StoreStatus block(std::string_view user, const std::vector<std::string>& jids) override;
  StoreStatus unblock(std::string_view user, const std::vector<std::string>& jids) override;
  Expected<std::size_t, StoreError> removeUser(std::string_view user) override;

 private:
  std::mutex mutex_;
  std::map<std::string, std::set<std::string>, std::less<>> lists_;  // guarded by mutex_
};

}  // namespace xmpp::storage

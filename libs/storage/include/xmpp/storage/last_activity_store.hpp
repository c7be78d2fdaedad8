#pragma once
// XEP-0012 last activity: per user, when the last resource went offline and its status.
// Implementations: PgLastActivityStore (production), InMemoryLastActivityStore (unit tests).

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage {

struct LastActivity {
  std::chrono::system_clock::time_point logout;
  std::string status;
};

class LastActivityStore {
 public:
  virtual ~LastActivityStore() = default;
  /// kNotFound when the user never logged out.
  virtual Expected<LastActivity, StoreError> get(std::string_view user) = 0;
  virtual StoreStatus set(std::string_view user, const LastActivity& last) = 0;
  virtual Expected<std::size_t, StoreError> removeUser(std::string_view user) = 0;
};

}  // namespace xmpp::storage

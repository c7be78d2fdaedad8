#pragma once
// Offline message storage (RFC 6121 §8.5.2, XEP-0160), kept behind its own interface so that
// it can later be served by a message archive (XEP-0313) without touching its callers.
//
// Delivery is two-phase so that no message is lost when a gateway dies mid-delivery: fetch()
// returns messages without deleting them, and ack() deletes only the ids the delivering
// gateway reports as written to the client.
//
// Implementations: PgOfflineStore (libpqxx, production), InMemoryOfflineStore (unit tests).
// Expected failures come back as StoreError values; a backend that cannot be reached answers
// kUnavailable. Implementations must be safe to call from several threads. `user` is the
// prepared bare JID of the recipient.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage {

struct StoredMessage {
  std::int64_t id = 0;      // assigned by the store; unique and increasing within the store
  std::string stanzaBytes;  // serialized xmpp.v1.Stanza, exactly as it was stored
  std::chrono::system_clock::time_point stamp;  // when the server received it

  friend bool operator==(const StoredMessage&, const StoredMessage&) = default;
};

/// Result of store(): either stored (with its id) or refused because the user's quota is full.
struct OfflinePut {
  enum class Status : std::uint8_t { kStored, kQuotaFull };
  Status status = Status::kStored;
  std::int64_t id = 0;  // the new message's id when kStored, else 0

  bool stored() const { return status == Status::kStored; }
};

/// One page of a user's stored messages, oldest first.
struct OfflinePage {
  std::size_t limit = 100;                                         // messages at most
  std::size_t maxBytes = std::numeric_limits<std::size_t>::max();  // stanza bytes at most,
                                                                   // but always one message
  std::int64_t afterId = 0;                                        // ids above this only
};

class OfflineStore {
 public:
  virtual ~OfflineStore() = default;

  /// Appends a message for `user`. `message.id` is ignored (the store assigns it). The quota
  /// check and the insert are one atomic operation: when the user already holds `maxPerUser`
  /// messages nothing is written and the result is kQuotaFull (so 0 refuses every message).
  virtual xmpp::Expected<OfflinePut, StoreError> store(std::string_view user,
                                                       const StoredMessage& message,
                                                       std::size_t maxPerUser) = 0;

  /// The user's oldest messages within `page`, ascending by id. Deletes nothing.
  virtual xmpp::Expected<std::vector<StoredMessage>, StoreError> fetchPage(
      std::string_view user, const OfflinePage& page) = 0;
  /// Up to `limit` of the user's oldest messages.
  xmpp::Expected<std::vector<StoredMessage>, StoreError> fetch(std::string_view user,
                                                               std::size_t limit) {
    return fetchPage(user, OfflinePage{.limit = limit});
  }

  /// Deletes the listed messages of `user` (ids of other users or already gone are skipped);
  /// returns how many were deleted.
  virtual xmpp::Expected<std::size_t, StoreError> ack(std::string_view user,
                                                      const std::vector<std::int64_t>& ids) = 0;

  virtual xmpp::Expected<std::size_t, StoreError> count(std::string_view user) = 0;

  /// Deletes every message of the user; returns how many there were.
  virtual xmpp::Expected<std::size_t, StoreError> removeUser(std::string_view user) = 0;
};

}  // namespace xmpp::storage

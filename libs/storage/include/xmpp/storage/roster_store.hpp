#pragma once
// Rosters (RFC 6121 §2) and the presence subscription state kept with each item (RFC 6121 §3,
// Appendix A), versioned per user for XEP-0237 roster versioning.
//
// Implementations: PgRosterStore (libpqxx, production), InMemoryRosterStore (unit tests).
// Expected failures come back as StoreError values, never as exceptions; a backend that cannot
// be reached answers kUnavailable. Implementations must be safe to call from several threads.
//
// Keys are *prepared* bare JIDs (what xmpp::jid::Jid::bareStr() returns): `user` is the owner
// of the roster, `contact` the item's JID. The store compares them byte for byte and never
// prepares them itself; RosterLogic does that before every call.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"

namespace xmpp::storage {

/// The 'subscription' attribute of a roster item (RFC 6121 §2.1.2.5), without 'remove'.
enum class Subscription : std::uint8_t { kNone, kTo, kFrom, kBoth };

/// One roster item with its full subscription state. RFC 6121 Appendix A state = subscription
/// plus the askOut / pendingIn flags (e.g. kTo + pendingIn is "To + Pending In").
struct RosterItem {
  std::string contact;  // prepared bare JID; the key within the user's roster
  std::string name;     // empty when absent
  std::vector<std::string> groups;
  Subscription subscription = Subscription::kNone;
  bool askOut = false;     // pending out: shown to clients as ask='subscribe'
  bool pendingIn = false;  // an inbound subscription request awaits the user's answer
  // The original inbound 'subscribe' (serialized xmpp.v1.Stanza), re-delivered at each login
  // until the user answers it. Empty unless pendingIn.
  std::string pendingInStanza;
  bool approved = false;  // subscription pre-approval (RFC 6121 §3.4)
  // True for an item that exists only to remember a pending inbound request from someone the
  // user never added (RFC 6121 §3.1.3): it is not part of the roster the user sees, and it is
  // deleted again when the request is withdrawn or denied.
  bool hidden = false;

  friend bool operator==(const RosterItem&, const RosterItem&) = default;
};

/// Roster version (XEP-0237). Strictly increases with every effective change of a user's
/// roster; 0 for a user who has no roster yet. The in-memory store increments it by one per
/// change; a database store may take it from a global sequence (strictly increasing per user,
/// not contiguous) so that a deleted and re-created account never reuses an old version.
using RosterVersion = std::int64_t;

struct Roster {
  std::vector<RosterItem> items;  // every item, hidden ones included, ascending by contact
  RosterVersion version = 0;
};

/// Outcome of one atomic read-modify-write of an item.
struct ItemUpdate {
  std::optional<RosterItem> before;  // nullopt: the item did not exist
  std::optional<RosterItem> after;   // nullopt: the item does not exist (any more)
  RosterVersion version = 0;         // the user's roster version after the operation
  bool changed = false;              // before != after; the version was bumped iff true
};

/// Computes the new item from the current one; nullopt deletes it (or keeps it absent).
/// Must be a deterministic function of its argument without side effects on the store: it runs
/// while the store holds the item locked, and a database store may run it again when it retries
/// a transaction. The store forces `contact` of the result to the key it was called with.
using ItemMutator = std::function<std::optional<RosterItem>(const std::optional<RosterItem>&)>;

class RosterStore {
 public:
  virtual ~RosterStore() = default;

  /// The whole roster (hidden items included) and its version. An unknown user has an empty
  /// roster at version 0; that is not an error.
  virtual xmpp::Expected<Roster, StoreError> getRoster(std::string_view user) = 0;

  /// One item. kNotFound when the user has no item for `contact`.
  virtual xmpp::Expected<RosterItem, StoreError> getItem(std::string_view user,
                                                         std::string_view contact) = 0;

  /// Atomic read-modify-write of one item: reads the current item (nullopt when absent), calls
  /// `mutate`, and writes the result (nullopt deletes). When the result differs from the
  /// current item the user's version is bumped in the same atomic operation; otherwise nothing
  /// is written and the version stays. Concurrent updates of one user's roster are serialized
  /// (PostgreSQL: one transaction locking the user's version row, then the item row).
  virtual xmpp::Expected<ItemUpdate, StoreError> updateItem(std::string_view user,
                                                            std::string_view contact,
                                                            const ItemMutator& mutate) = 0;

  /// Items whose pendingIn flag is set (requests to re-deliver at login), ascending by contact.
  virtual xmpp::Expected<std::vector<RosterItem>, StoreError> itemsWithPendingIn(
      std::string_view user) = 0;

  /// Number of items (hidden ones included).
  virtual xmpp::Expected<std::size_t, StoreError> countItems(std::string_view user) = 0;

  /// Deletes the user's items and version; returns how many items there were. Not an error
  /// when the user has nothing stored.
  virtual xmpp::Expected<std::size_t, StoreError> removeUser(std::string_view user) = 0;
};

}  // namespace xmpp::storage

#pragma once
// The userdata service's logic: rosters (RFC 6121 §2) with versioning (XEP-0237), presence
// subscriptions (RFC 6121 §3 and Appendix A), offline messages (RFC 6121 §8.5.2, XEP-0160,
// XEP-0203), vCards (XEP-0054) and deleting a user's data.
//
// Plain C++ over the storage interfaces: no gRPC, no database, no clock but the injected one.
// Every method returns what the caller must do (pushes, stanzas to route or deliver, presence
// to send) instead of doing it, so the gRPC layer only translates. Thread-safe: the object has
// no mutable state of its own, and each read-modify-write of a roster item is one atomic store
// call (RosterStore::updateItem).
//
// Addresses: `user` is the bare JID of the account the call is about (the roster owner; the
// recipient for offline messages), `contact` the other party. Both are parsed and prepared
// here (RFC 7622); a `user` that is not a valid bare JID is kJidMalformed / kBadRequest.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "roster_config.hpp"
#include "roster_error.hpp"
#include "stanzas.hpp"
#include "subscription.hpp"
#include "xmpp/common/clock.hpp"
#include "xmpp/common/expected.hpp"
#include "xmpp/jid/jid.hpp"
#include "xmpp/stanza/payloads.hpp"
#include "xmpp/storage/offline_store.hpp"
#include "xmpp/storage/roster_store.hpp"
#include "xmpp/storage/vcard_store.hpp"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::roster {

template <class T>
using Result = xmpp::Expected<T, RosterError>;

/// Answer to a roster get (RFC 6121 §2.1.3, XEP-0237 §2.3).
struct RosterResult {
  // The client's version is current: reply with an empty iq result (no <query/>); the client
  // keeps its cached roster.
  bool unchanged = false;
  std::string version;                    // current version, for the 'ver' attribute
  std::vector<stanza::RosterItem> items;  // client-visible items by contact; empty if unchanged
};

/// Outcome of a roster set or remove (RFC 6121 §2.3, §2.4, §2.5).
struct RosterChange {
  std::string contact;   // prepared bare JID
  bool changed = false;  // false: the roster (and its version) stayed as it was
  // Due to all interested resources, including the one that sent the set. Always present,
  // because RFC 6121 §2.3.2 requires a push after every successful set; when !changed it
  // carries the current item and the unchanged version.
  RosterPush push;
  // Remove only (RFC 6121 §2.5.2): 'unsubscribe' and/or 'unsubscribed' from the user's bare
  // JID, to route to the contact.
  std::vector<v1::Stanza> routeToContact;
  // Remove only: kSendUnavailable when the contact lost its From subscription.
  PresenceAction presence = PresenceAction::kNone;
};

/// Outcome of one subscription stanza (RFC 6121 §3), outbound or inbound.
struct SubscriptionResult {
  std::string contact;  // prepared bare JID
  SubState before = SubState::kNone;
  SubState after = SubState::kNone;
  std::optional<RosterPush> push;  // due to the user's interested resources
  // Outbound: the stanza to route to the contact, stamped from the user's bare JID.
  std::optional<v1::Stanza> routeToContact;
  // Inbound: the stanza to deliver to all of the user's available resources (to = the user's
  // bare JID). A 'subscribe' is also kept and returned by pendingInbound() at each login until
  // the user answers it, so the caller need not store it when no resource is available.
  std::optional<v1::Stanza> deliverToUser;
  // Inbound: an automatic 'subscribed' from the user's bare JID to route to the contact.
  std::optional<v1::Stanza> autoReply;
  // Presence from each of the user's available resources to the contact (the router knows the
  // resources and their last presence).
  PresenceAction presence = PresenceAction::kNone;
};

/// Whom the user's presence concerns at login and on broadcast (RFC 6121 §4.2-4.4).
struct PresenceTargets {
  std::vector<std::string> probe;      // subscription to/both: send a probe (bare JIDs)
  std::vector<std::string> broadcast;  // subscription from/both: send presence (bare JIDs)
};

/// What storeOffline() did, and what the caller then does (RFC 6121 §8.5.2.1.1).
enum class OfflineStatus : std::uint8_t {
  kStored,
  // The user's quota is full: bounce <service-unavailable/> (type cancel), as RFC 6121
  // §8.5.2.1.1 and XEP-0160 prescribe for a message the server will not store. Deliberately
  // not resource-constraint: that would tell the sender more about the account.
  kQuotaFull,
  // Type 'groupchat': bounce <service-unavailable/> (RFC 6121 §8.5.2.1.1).
  kRefused,
  // Not worth storing: type 'headline' or 'error', not a message, only XEP-0085 chat states,
  // or an XEP-0334 no-store / no-permanent-store hint. Drop silently.
  kDiscarded,
};

struct OfflineMessage {
  std::int64_t id = 0;  // pass to ackOffline() once the client has received it
  v1::Stanza stanza;    // with an XEP-0203 <delay/> added
};

struct OfflineBatch {
  std::vector<OfflineMessage> messages;  // oldest first
  // Stored bytes that no longer parse: never deliverable, so the caller should ack them too.
  std::vector<std::int64_t> undecodable;
};

/// What deleteUserData() removed, and the stanzas that tell contacts about it.
struct DeletedUserData {
  // 'unsubscribe' / 'unsubscribed' from the user's bare JID to each contact that had a
  // subscription or a pending request with the user, so their rosters are cleaned up too.
  std::vector<v1::Stanza> routeToContacts;
  std::size_t rosterItems = 0;
  std::size_t offlineMessages = 0;
  bool vcard = false;
};

class RosterLogic {
 public:
  RosterLogic(storage::RosterStore& rosters, storage::OfflineStore& offline,
              storage::VcardStore& vcards, const Clock& clock, RosterConfig config = {});

  // ---- Roster (RFC 6121 §2, XEP-0237) ----

  /// The client-visible roster, or `unchanged` when `clientVersion` equals the current version.
  /// Pass nullopt when the client sent no 'ver' (it then gets the full roster; the caller
  /// includes 'ver' in the answer only if the client asked with one).
  Result<RosterResult> getRoster(std::string_view user,
                                 std::optional<std::string_view> clientVersion);

  /// Creates or updates an item from a roster set. Only the client-settable parts are used:
  /// jid, name, groups. 'subscription' (including 'remove', see rosterSet()), 'ask' and
  /// 'approved' are ignored (RFC 6121 §2.1.2). Groups replace the old ones.
  /// Errors: kJidMalformed (jid does not parse), kBadRequest (jid is not bare; a group twice),
  /// kNotAcceptable (empty or too long group, too long name, too many groups), kNotAllowed
  /// (jid is the user's own bare JID — RFC 6121 leaves this to the server; we refuse it, as
  /// the user's own presence needs no subscription — or the roster is full).
  Result<RosterChange> setItem(std::string_view user, const stanza::RosterItem& item);

  /// Removes an item (RFC 6121 §2.5): push with subscription='remove', plus 'unsubscribe' to
  /// the contact when the user was subscribed to it or had asked to be (To/Both/pending out)
  /// and 'unsubscribed' when the contact was subscribed or had asked (From/Both/pending in).
  /// kItemNotFound when there is no such (visible) item.
  Result<RosterChange> removeItem(std::string_view user, std::string_view contact);

  /// A roster set iq's payload: exactly one item (else kBadRequest), dispatched to removeItem()
  /// when subscription='remove', otherwise to setItem().
  Result<RosterChange> rosterSet(std::string_view user, const stanza::RosterQuery& query);

  // ---- Presence subscriptions (RFC 6121 §3, Appendix A) ----

  /// A subscription stanza the user's client sent to `contact` (a full JID is reduced to its
  /// bare JID, RFC 6121 §3.1.2). `originalStanzaBytes` (serialized xmpp.v1.Stanza, may be
  /// empty) is the client's stanza, whose id and children are kept in what is routed.
  /// Stanzas between the user and its own bare JID are ignored (empty result).
  Result<SubscriptionResult> outboundSubscription(std::string_view user, std::string_view contact,
                                                  SubscriptionType type,
                                                  std::string_view originalStanzaBytes = {});

  /// A subscription stanza that arrived from `contact` for `user`.
  Result<SubscriptionResult> inboundSubscription(std::string_view user, std::string_view contact,
                                                 SubscriptionType type,
                                                 std::string_view originalStanzaBytes);

  /// Contacts to probe and subscribers to broadcast to.
  Result<PresenceTargets> presenceTargets(std::string_view user);

  /// Inbound 'subscribe' requests still unanswered, to deliver again when the user logs in
  /// (RFC 6121 §3.1.3), each from the contact's bare JID to the user's bare JID.
  Result<std::vector<v1::Stanza>> pendingInbound(std::string_view user);

  // ---- Offline messages (RFC 6121 §8.5.2, XEP-0160) ----

  /// Stores a message (serialized xmpp.v1.Stanza) for a user with no available resource,
  /// stamped with the clock's time. kBadRequest when the bytes do not parse.
  Result<OfflineStatus> storeOffline(std::string_view user, std::string_view stanzaBytes);

  /// Up to config.offlineFetchLimit of the oldest messages, each with <delay from='<user's
  /// domain>' stamp='...'/>, WITHOUT deleting them: call ackOffline() with the ids the client
  /// has received.
  /// A page: ids above `afterId`, at most `maxBytes` stanza bytes (0 or above the configured
  /// bound: the bound), always at least one message if any is left.
  Result<OfflineBatch> fetchOffline(std::string_view user, std::int64_t afterId = 0,
                                    std::size_t maxBytes = 0);

  /// Deletes delivered messages; returns how many were deleted.
  Result<std::size_t> ackOffline(std::string_view user, const std::vector<std::int64_t>& ids);

  // ---- vCard (XEP-0054) ----

  /// The stored serialized xmpp.v1.Element of the <vCard/>. kItemNotFound when there is none
  /// (XEP-0054 allows answering item-not-found or an empty <vCard/>; the caller picks).
  Result<std::string> getVcard(std::string_view user);

  /// Stores a serialized xmpp.v1.Element that must be <vCard xmlns='vcard-temp'/> (else
  /// kBadRequest) of at most config.maxVcardBytes bytes (else kNotAcceptable).
  Result<std::monostate> setVcard(std::string_view user, std::string_view elementBytes);

  // ---- Accounts ----

  /// Removes the user's roster (pending subscriptions included), offline messages and vCard.
  /// Idempotent. Called by the auth service when an account is deleted; route the returned
  /// stanzas so that contacts drop their subscriptions too.
  Result<DeletedUserData> deleteUserData(std::string_view user);

  /// Other per-user data deleted with the account (e.g. XEP-0049 private storage).
  using UserDataRemover = std::function<storage::StoreStatus(std::string_view user)>;
  void alsoDeleteWithAccount(UserDataRemover remover) { removers_.push_back(std::move(remover)); }

  const RosterConfig& config() const { return config_; }

 private:
  Result<SubscriptionResult> processSubscription(Direction direction, std::string_view user,
                                                 std::string_view contact, SubscriptionType type,
                                                 std::string_view originalStanzaBytes);

  storage::RosterStore& rosters_;
  storage::OfflineStore& offline_;
  storage::VcardStore& vcards_;
  const Clock& clock_;
  RosterConfig config_;
  std::vector<UserDataRemover> removers_;
};

/// `user` must be a valid bare JID: kJidMalformed when it does not parse, kBadRequest when it
/// has a resource.
Result<jid::Jid> parseUser(std::string_view user);

}  // namespace xmpp::roster

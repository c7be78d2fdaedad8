#pragma once
// The seams of the router's core (RouterCore). The core is plain C++ and unit-tested with
// fakes; Redis (the session directory), the gRPC roster and auth clients and the gateway
// streams implement these. Every call may block: the core runs on router worker threads,
// never on gRPC reactor threads. Events of one bare JID always go to the same worker, in
// order (RFC 6120 §10.1).

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "xmpp/common/expected.hpp"
#include "xmpp/storage/store_error.hpp"
#include "xmpp/v1/roster.pb.h"
#include "xmpp/v1/router.pb.h"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::router {

/// Why a backend service call failed, as the core sees it (the gRPC adapters map their
/// statuses to this; nothing past them knows gRPC).
struct BackendError {
  enum class Kind {
    kUnavailable,  // down, unreachable or too slow: the sender may retry
    kRefused,      // the service answered with an RFC 6120 condition (e.g. not-acceptable)
    kInternal,     // a bug or a mismatch on either side
  };
  Kind kind = Kind::kInternal;
  std::string condition;  // kRefused: the condition
};
/// The outcome of a backend call that returns no value (its output is an out-parameter).
using BackendStatus = Expected<std::monostate, BackendError>;
inline BackendStatus backendOk() { return std::monostate{}; }

/// Where sessions live: per bare JID, its resources. Backed by Redis in production.
class SessionDirectory {
 public:
  virtual ~SessionDirectory() = default;
  /// The sessions of one bare JID, keyed by resource.
  virtual Expected<std::map<std::string, v1::SessionInfo>, storage::StoreError> sessions(
      const std::string& bareJid) = 0;
  /// Many bare JIDs in one round trip (presence fan-out).
  virtual Expected<std::map<std::string, std::map<std::string, v1::SessionInfo>>,
                   storage::StoreError>
  sessionsOf(const std::vector<std::string>& bareJids) = 0;
  /// Registers or replaces the session for (bare JID, resource); returns the session it
  /// replaced, if any (a resource conflict: the router closes the older one).
  virtual Expected<std::optional<v1::SessionInfo>, storage::StoreError> bind(
      const std::string& bareJid, const std::string& resource, const v1::SessionInfo& session) = 0;
  /// Updates a session if it is still the one bound (same session_id).
  virtual storage::StoreStatus update(const std::string& bareJid, const std::string& resource,
                                      const v1::SessionInfo& session) = 0;
  /// Removes a session if it is still the one bound (same session_id); returns whether it was.
  virtual Expected<bool, storage::StoreError> remove(const std::string& bareJid,
                                                     const std::string& resource,
                                                     const std::string& sessionId) = 0;
  /// Removes a session only if it is still exactly as `read` (a sweep after a gateway's death
  /// must not remove the session the gateway registered again meanwhile, issue 9 case 1);
  /// returns whether it was removed.
  virtual Expected<bool, storage::StoreError> removeUnchanged(const std::string& bareJid,
                                                              const std::string& resource,
                                                              const v1::SessionInfo& read) = 0;
};

/// XEP-0198 resumable sessions (Redis, shared with the gateways, which write them).
class ResumableSessionStore {
 public:
  virtual ~ResumableSessionStore() = default;
  /// A dead gateway's session `sessionId`, resumable as `smId`: detached (resumable until its
  /// max from now) if it still holds it; true when it is, or already was, detached by it.
  virtual Expected<bool, storage::StoreError> detach(const std::string& smId,
                                                     const std::string& sessionId) = 0;
  enum class Queued { kQueued, kNotDetached, kGone, kFull };
  /// A stanza for the detached session `smId` (`entry`: v1::ResumableStanza bytes), behind
  /// what it had not acknowledged; kNotDetached: resumed meanwhile; kFull: past its bound.
  virtual Expected<Queued, storage::StoreError> queue(const std::string& smId,
                                                      const std::string& entry) = 0;
};

/// The userdata service (blocking calls).
class RosterClient {
 public:
  virtual ~RosterClient() = default;
  virtual BackendStatus getRoster(const v1::GetRosterRequest&, v1::GetRosterResponse*) = 0;
  virtual BackendStatus setItem(const v1::SetItemRequest&, v1::RosterEffects*) = 0;
  virtual BackendStatus processSubscription(const v1::SubscriptionRequest&,
                                            v1::SubscriptionResponse*) = 0;
  virtual BackendStatus presenceTargets(const v1::UserRequest&, v1::PresenceTargetsResponse*) = 0;
  virtual BackendStatus pendingSubscriptions(const v1::UserRequest&,
                                             v1::PendingSubscriptionsResponse*) = 0;
  virtual BackendStatus storeOffline(const v1::StoreOfflineRequest&, v1::StoreOfflineResponse*) = 0;
  virtual BackendStatus fetchOffline(const v1::FetchOfflineRequest&, v1::FetchOfflineResponse*) = 0;
  virtual BackendStatus ackOffline(const v1::AckOfflineRequest&) = 0;
  virtual BackendStatus getVcard(const v1::VcardRequest&, v1::VcardResponse*) = 0;
  virtual BackendStatus setVcard(const v1::SetVcardRequest&) = 0;
};

/// XEP-0049 private XML storage (the userdata service's PrivateStorage, blocking calls).
class PrivateStorageClient {
 public:
  virtual ~PrivateStorageClient() = default;
  virtual BackendStatus get(const v1::PrivateGetRequest&, v1::PrivateGetResponse*) = 0;
  virtual BackendStatus set(const v1::PrivateSetRequest&) = 0;
};

/// XEP-0191 block lists (the userdata service's BlockList, blocking calls).
class BlockListClient {
 public:
  virtual ~BlockListClient() = default;
  virtual BackendStatus get(const v1::UserRequest&, v1::BlockListResponse*) = 0;
  virtual BackendStatus block(const v1::BlockListChange&, v1::BlockListResponse*) = 0;
  virtual BackendStatus unblock(const v1::BlockListChange&, v1::BlockListResponse*) = 0;
};

/// XEP-0012 last activity records (the userdata service's LastActivity, blocking calls).
class LastActivityClient {
 public:
  virtual ~LastActivityClient() = default;
  virtual BackendStatus get(const v1::UserRequest&, v1::LastActivityResponse*) = 0;
  virtual BackendStatus set(const v1::SetLastActivityRequest&) = 0;
};

/// Whether an account exists (the auth service; the implementation may cache).
class AccountDirectory {
 public:
  virtual ~AccountDirectory() = default;
  /// `username` is the prepared localpart.
  virtual Expected<bool, storage::StoreError> exists(const std::string& username) = 0;
  /// Removes the account and its data (XEP-0077 cancellation by its owner); kNotFound if
  /// there is none.
  virtual storage::StoreStatus remove(const std::string& username) = 0;
};

/// The gateways' streams. Calls queue and return at once; commands to one gateway keep
/// their order.
class GatewaySink {
 public:
  virtual ~GatewaySink() = default;
  virtual void deliver(const std::string& gatewayId, v1::Delivery delivery) = 0;
  virtual void close(const std::string& gatewayId, v1::CloseSession close) = 0;
  /// The outcome of a session_bound event, which the gateway's client is waiting for.
  virtual void bindResult(const std::string& gatewayId, v1::BindResult result) = 0;
};

struct RouterConfig {
  std::string domain = "localhost";
  std::string serverName = "xmppd";  // XEP-0092
  std::string serverVersion = "0.1.0";
  bool discloseOs = false;
  std::chrono::milliseconds blockListCacheTtl{
      30'000};  // XEP-0191 lists cached per router  // XEP-0092 §4: the OS helps attackers; off
                // unless asked for
  /// XEP-0157 contact addresses by field var (e.g. "abuse-addresses" -> {"mailto:..."}).
  std::map<std::string, std::vector<std::string>> contactAddresses;
  /// Sub-domains served by internal services: domain -> the kind of service ("muc",
  /// "pubsub", "upload", "proxy"), whose module registered a DomainService for it. Every
  /// other domain but `domain` is remote (remote-server-not-found until server-to-server).
  std::map<std::string, std::string> serviceDomains;
  // Offline messages go to a client in pages of at most this many stanza bytes (always one
  // message); the next page follows once the gateway proved the client read the last one
  // (issue 9, case 5: whatever is stored, a page fits the gateway's send queue).
  std::size_t offlinePageBytes = 192 * 1024;
  // Resources bound at once per account (0: no limit); one more is refused at bind with
  // resource-constraint (RFC 6120 §7.6.2.1). Replacing a bound resource is always allowed.
  std::size_t maxResourcesPerAccount = 10;
};

}  // namespace xmpp::router

#pragma once
// Presence targets (who gets a user's presence broadcast, whom to probe) cached per router,
// so that a presence update costs no userdata call and no PostgreSQL query (issue 11: the
// query per broadcast was the presence path's largest cost). Every roster change goes
// through a router (roster sets, subscription stanzas in both directions): this client
// evicts the users whose rosters the call may have changed, at once here and through the
// invalidation feed's "xmpp:roster-inv" channel in the other routers. Changes made around
// the routers (an account deleted by an administrator) are seen at the entries' maximum age.
// Everything else is passed through.

#include <atomic>

#include "invalidated_cache.hpp"
#include "ports.hpp"

namespace xmpp::router {

class CachingRosterClient final : public RosterClient {
 public:
  static constexpr const char* kChannel = "xmpp:roster-inv";

  CachingRosterClient(RosterClient& inner, InvalidationFeed& feed, CacheOptions options);

  BackendStatus getRoster(const v1::GetRosterRequest&, v1::GetRosterResponse*) override;
  BackendStatus setItem(const v1::SetItemRequest&, v1::RosterEffects*) override;
  BackendStatus processSubscription(const v1::SubscriptionRequest&,
                                    v1::SubscriptionResponse*) override;
  BackendStatus presenceTargets(const v1::UserRequest&, v1::PresenceTargetsResponse*) override;
  BackendStatus pendingSubscriptions(const v1::UserRequest&,
                                     v1::PendingSubscriptionsResponse*) override;
  BackendStatus storeOffline(const v1::StoreOfflineRequest&, v1::StoreOfflineResponse*) override;
  BackendStatus fetchOffline(const v1::FetchOfflineRequest&, v1::FetchOfflineResponse*) override;
  BackendStatus ackOffline(const v1::AckOfflineRequest&) override;
  BackendStatus getVcard(const v1::VcardRequest&, v1::VcardResponse*) override;
  BackendStatus setVcard(const v1::SetVcardRequest&) override;

  bool active() const { return cache_.active(); }
  uint64_t hits() const { return cache_.hits(); }
  uint64_t misses() const { return cache_.misses(); }
  /// Invalidations that could not be announced to the other routers.
  uint64_t unannounced() const { return unannounced_.load(); }

 private:
  /// `user` and everyone `effects` pushes a roster change to.
  void changed(const std::string& user, const v1::RosterEffects& effects);

  RosterClient& inner_;
  InvalidationFeed& feed_;
  InvalidatedCache<v1::PresenceTargetsResponse> cache_;
  std::atomic<uint64_t> unannounced_{0};
};

}  // namespace xmpp::router

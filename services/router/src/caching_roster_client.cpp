#include "caching_roster_client.hpp"

#include <set>
#include <utility>

#include "xmpp/runtime/runtime.hpp"

namespace xmpp::router {

CachingRosterClient::CachingRosterClient(RosterClient& inner, InvalidationFeed& feed,
                                         CacheOptions options)
    : inner_(inner), feed_(feed), cache_(feed, kChannel, std::move(options)) {}

void CachingRosterClient::changed(const std::string& user, const v1::RosterEffects& effects) {
  std::set<std::string> users{user};
  for (const auto& push : effects.pushes()) users.insert(push.user());
  for (const auto& u : users) {
    cache_.invalidate(u);  // ours at once; the other routers through the channel
    if (!feed_.publish(kChannel, u)) {
      ++unannounced_;
      runtime::logWarn("roster cache: invalidation not announced to the other routers",
                       {{"user", u}});
    }
  }
}

BackendStatus CachingRosterClient::presenceTargets(const v1::UserRequest& request,
                                                   v1::PresenceTargetsResponse* response) {
  if (auto cached = cache_.lookup(request.user())) {
    *response = std::move(*cached);
    return backendOk();
  }
  const auto t = cache_.ticket(request.user());
  BackendStatus status = inner_.presenceTargets(request, response);
  if (status) cache_.fill(request.user(), t, *response);
  return status;
}

BackendStatus CachingRosterClient::setItem(const v1::SetItemRequest& request,
                                           v1::RosterEffects* effects) {
  BackendStatus status = inner_.setItem(request, effects);
  // Even a failed call may have changed the roster before it failed.
  changed(request.user(), *effects);
  return status;
}

BackendStatus CachingRosterClient::processSubscription(const v1::SubscriptionRequest& request,
                                                       v1::SubscriptionResponse* response) {
  BackendStatus status = inner_.processSubscription(request, response);
  changed(request.user(), response->effects());
  return status;
}

BackendStatus CachingRosterClient::getRoster(const v1::GetRosterRequest& r,
                                             v1::GetRosterResponse* o) {
  return inner_.getRoster(r, o);
}
BackendStatus CachingRosterClient::pendingSubscriptions(const v1::UserRequest& r,
                                                        v1::PendingSubscriptionsResponse* o) {
  return inner_.pendingSubscriptions(r, o);
}
BackendStatus CachingRosterClient::storeOffline(const v1::StoreOfflineRequest& r,
                                                v1::StoreOfflineResponse* o) {
  return inner_.storeOffline(r, o);
}
BackendStatus CachingRosterClient::fetchOffline(const v1::FetchOfflineRequest& r,
                                                v1::FetchOfflineResponse* o) {
  return inner_.fetchOffline(r, o);
}
BackendStatus CachingRosterClient::ackOffline(const v1::AckOfflineRequest& r) {
  return inner_.ackOffline(r);
}
BackendStatus CachingRosterClient::getVcard(const v1::VcardRequest& r, v1::VcardResponse* o) {
  return inner_.getVcard(r, o);
}
BackendStatus CachingRosterClient::setVcard(const v1::SetVcardRequest& r) {
  return inner_.setVcard(r);
}

}  // namespace xmpp::router

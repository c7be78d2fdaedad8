#pragma once
// gRPC face of RosterLogic: proto <-> calls, RosterError -> grpc::Status in one place.
// Runs on gRPC's synchronous server (bounded thread pool): every call may block on
// PostgreSQL (docs/adr/0003-grpc-sync-server-for-data-services.md).

#include <functional>

#include "roster_logic.hpp"
#include "xmpp/observability/rpc_metrics.hpp"
#include "xmpp/v1/roster.grpc.pb.h"

namespace xmpp::roster {

grpc::Status toStatus(RosterError e);

class RosterGrpcService final : public v1::Roster::Service {
 public:
  /// Offline message events for metrics: "stored", "quota_full", "refused", "discarded",
  /// "delivered" (acked), with a count.
  using OfflineHook = std::function<void(std::string_view event, size_t count)>;

  RosterGrpcService(
      RosterLogic& logic, observability::RpcMetrics& metrics,
      OfflineHook onOffline = [](std::string_view, size_t) {})
      : logic_(logic), metrics_(metrics), onOffline_(std::move(onOffline)) {}

  grpc::Status GetRoster(grpc::ServerContext*, const v1::GetRosterRequest*,
                         v1::GetRosterResponse*) override;
  grpc::Status SetItem(grpc::ServerContext*, const v1::SetItemRequest*,
                       v1::RosterEffects*) override;
  grpc::Status RemoveItem(grpc::ServerContext*, const v1::RemoveItemRequest*,
                          v1::RosterEffects*) override;
  grpc::Status ProcessSubscription(grpc::ServerContext*, const v1::SubscriptionRequest*,
                                   v1::SubscriptionResponse*) override;
  grpc::Status PresenceTargets(grpc::ServerContext*, const v1::UserRequest*,
                               v1::PresenceTargetsResponse*) override;
  grpc::Status PendingSubscriptions(grpc::ServerContext*, const v1::UserRequest*,
                                    v1::PendingSubscriptionsResponse*) override;
  grpc::Status StoreOffline(grpc::ServerContext*, const v1::StoreOfflineRequest*,
                            v1::StoreOfflineResponse*) override;
  grpc::Status FetchOffline(grpc::ServerContext*, const v1::FetchOfflineRequest*,
                            v1::FetchOfflineResponse*) override;
  grpc::Status AckOffline(grpc::ServerContext*, const v1::AckOfflineRequest*,
                          v1::RosterEmpty*) override;
  grpc::Status GetVcard(grpc::ServerContext*, const v1::VcardRequest*, v1::VcardResponse*) override;
  grpc::Status SetVcard(grpc::ServerContext*, const v1::SetVcardRequest*,
                        v1::RosterEmpty*) override;
  grpc::Status DeleteUserData(grpc::ServerContext*, const v1::UserRequest*,
                              v1::RosterEffects*) override;

 private:
  RosterLogic& logic_;
  observability::RpcMetrics& metrics_;
  OfflineHook onOffline_;
};

}  // namespace xmpp::roster

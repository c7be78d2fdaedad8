#pragma once
// XEP-0012 last activity records (when a user's last resource went offline, with its status)
// and their gRPC face. The router decides who may see them.

#include "roster_error.hpp"
#include "xmpp/observability/rpc_metrics.hpp"
#include "xmpp/storage/last_activity_store.hpp"
#include "xmpp/v1/roster.grpc.pb.h"

namespace xmpp::roster {

class LastActivityGrpcService final : public v1::LastActivity::Service {
 public:
  /// Statuses longer than `maxStatusBytes` are cut (on a UTF-8 boundary).
  LastActivityGrpcService(storage::LastActivityStore& store, observability::RpcMetrics& metrics,
                          std::size_t maxStatusBytes = 1024)
      : store_(store), metrics_(metrics), maxStatusBytes_(maxStatusBytes) {}
  grpc::Status Get(grpc::ServerContext*, const v1::UserRequest*,
                   v1::LastActivityResponse*) override;
  grpc::Status Set(grpc::ServerContext*, const v1::SetLastActivityRequest*,
                   v1::RosterEmpty*) override;

 private:
  storage::LastActivityStore& store_;
  observability::RpcMetrics& metrics_;
  std::size_t maxStatusBytes_;
};

}  // namespace xmpp::roster

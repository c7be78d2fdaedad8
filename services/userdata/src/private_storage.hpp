#pragma once
// XEP-0049 private XML storage: logic over a PrivateStore, and its gRPC face. Each child of
// <query xmlns='jabber:iq:private'/> is stored under its (namespace, name); a get answers
// the stored element or the asked one, empty (§3.2). Namespaces of the protocol itself are
// refused (§3.3: not-acceptable), and so are elements over the size limit and users over the
// per-user limit.

#include "roster_error.hpp"
#include "xmpp/common/expected.hpp"
#include "xmpp/observability/rpc_metrics.hpp"
#include "xmpp/storage/private_store.hpp"
#include "xmpp/v1/roster.grpc.pb.h"

namespace xmpp::roster {

struct PrivateStorageConfig {
  std::size_t maxElementBytes = 64 * 1024;
  std::size_t maxElementsPerUser = 100;
};

class PrivateStorageLogic {
 public:
  PrivateStorageLogic(storage::PrivateStore& store, PrivateStorageConfig config = {})
      : store_(store), config_(config) {}

  Expected<v1::Element, RosterError> get(std::string_view user, const v1::Element& query);
  Expected<std::monostate, RosterError> set(std::string_view user, const v1::Element& query);

 private:
  storage::PrivateStore& store_;
  PrivateStorageConfig config_;
};

class PrivateStorageGrpcService final : public v1::PrivateStorage::Service {
 public:
  PrivateStorageGrpcService(PrivateStorageLogic& logic, observability::RpcMetrics& metrics)
      : logic_(logic), metrics_(metrics) {}
  grpc::Status Get(grpc::ServerContext*, const v1::PrivateGetRequest*,
                   v1::PrivateGetResponse*) override;
  grpc::Status Set(grpc::ServerContext*, const v1::PrivateSetRequest*, v1::RosterEmpty*) override;

 private:
  PrivateStorageLogic& logic_;
  observability::RpcMetrics& metrics_;
};

}  // namespace xmpp::roster

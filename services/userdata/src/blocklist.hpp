#pragma once
// XEP-0191 block lists: logic over a BlockListStore (JIDs prepared, a per-user limit) and its
// gRPC face. The router's blocking module carries out what blocking means for routing.

#include "roster_error.hpp"
#include "xmpp/common/expected.hpp"
#include "xmpp/observability/rpc_metrics.hpp"
#include "xmpp/storage/blocklist_store.hpp"
#include "xmpp/v1/roster.grpc.pb.h"

namespace xmpp::roster {

class BlockListLogic {
 public:
  explicit BlockListLogic(storage::BlockListStore& store, std::size_t maxItems = 1000)
      : store_(store), maxItems_(maxItems) {}

  Expected<std::vector<std::string>, RosterError> get(std::string_view user);
  /// kJidMalformed for an item that does not parse; kNotAllowed past the limit.
  Expected<std::vector<std::string>, RosterError> block(std::string_view user,
                                                        const std::vector<std::string>& jids);
  Expected<std::vector<std::string>, RosterError> unblock(std::string_view user,
                                                          const std::vector<std::string>& jids);

 private:
  storage::BlockListStore& store_;
  std::size_t maxItems_;
};

class BlockListGrpcService final : public v1::BlockList::Service {
 public:
  BlockListGrpcService(BlockListLogic& logic, observability::RpcMetrics& metrics)
      : logic_(logic), metrics_(metrics) {}
  grpc::Status Get(grpc::ServerContext*, const v1::UserRequest*, v1::BlockListResponse*) override;
  grpc::Status Block(grpc::ServerContext*, const v1::BlockListChange*,
                     v1::BlockListResponse*) override;
  grpc::Status Unblock(grpc::ServerContext*, const v1::BlockListChange*,
                       v1::BlockListResponse*) override;

 private:
  BlockListLogic& logic_;
  observability::RpcMetrics& metrics_;
};

}  // namespace xmpp::roster

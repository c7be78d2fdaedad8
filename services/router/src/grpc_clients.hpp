#pragma once
// RosterClient and AccountDirectory over gRPC (blocking stubs with deadlines; called from
// router worker threads only).

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "ports.hpp"
#include "xmpp/v1/auth.grpc.pb.h"
#include "xmpp/v1/roster.grpc.pb.h"

namespace xmpp::router {

class GrpcRosterClient final : public RosterClient {
 public:
  explicit GrpcRosterClient(std::shared_ptr<grpc::Channel> channel,
                            std::chrono::milliseconds deadline = std::chrono::seconds(5))
      : stub_(v1::Roster::NewStub(std::move(channel))), deadline_(deadline) {}

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

 private:
  std::unique_ptr<grpc::ClientContext> context() const;
  std::unique_ptr<v1::Roster::Stub> stub_;
  std::chrono::milliseconds deadline_;
};

class GrpcPrivateStorageClient final : public PrivateStorageClient {
 public:
  explicit GrpcPrivateStorageClient(std::shared_ptr<grpc::Channel> channel,
                                    std::chrono::milliseconds deadline = std::chrono::seconds(5))
      : stub_(v1::PrivateStorage::NewStub(std::move(channel))), deadline_(deadline) {}
  BackendStatus get(const v1::PrivateGetRequest&, v1::PrivateGetResponse*) override;
  BackendStatus set(const v1::PrivateSetRequest&) override;

 private:
  std::unique_ptr<v1::PrivateStorage::Stub> stub_;
  std::chrono::milliseconds deadline_;
};

class GrpcBlockListClient final : public BlockListClient {
 public:
  explicit GrpcBlockListClient(std::shared_ptr<grpc::Channel> channel,
                               std::chrono::milliseconds deadline = std::chrono::seconds(5))
      : stub_(v1::BlockList::NewStub(std::move(channel))), deadline_(deadline) {}
  BackendStatus get(const v1::UserRequest&, v1::BlockListResponse*) override;
  BackendStatus block(const v1::BlockListChange&, v1::BlockListResponse*) override;
  BackendStatus unblock(const v1::BlockListChange&, v1::BlockListResponse*) override;

 private:
  std::unique_ptr<v1::BlockList::Stub> stub_;
  std::chrono::milliseconds deadline_;
};

class GrpcLastActivityClient final : public LastActivityClient {
 public:
  explicit GrpcLastActivityClient(std::shared_ptr<grpc::Channel> channel,
                                  std::chrono::milliseconds deadline = std::chrono::seconds(5))
      : stub_(v1::LastActivity::NewStub(std::move(channel))), deadline_(deadline) {}
  BackendStatus get(const v1::UserRequest&, v1::LastActivityResponse*) override;
  BackendStatus set(const v1::SetLastActivityRequest&) override;

 private:
  std::unique_ptr<v1::LastActivity::Stub> stub_;
  std::chrono::milliseconds deadline_;
};

/// Asks auth whether an account exists; remembers "yes" for a while (accounts are rarely
/// deleted, and a stale "yes" only means a message goes to offline storage).
class GrpcAccountDirectory final : public AccountDirectory {
 public:
  explicit GrpcAccountDirectory(std::shared_ptr<grpc::Channel> channel,
                                std::chrono::seconds cacheFor = std::chrono::seconds(60))
      : stub_(v1::Auth::NewStub(std::move(channel))), cacheFor_(cacheFor) {}
  Expected<bool, storage::StoreError> exists(const std::string& username) override;
  storage::StoreStatus remove(const std::string& username) override;

 private:
  std::unique_ptr<v1::Auth::Stub> stub_;
  std::chrono::seconds cacheFor_;
  std::mutex mu_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> known_;
};

}  // namespace xmpp::router

#include "grpc_clients.hpp"

#include "grpc_status.hpp"

namespace xmpp::router {

namespace {
template <class Call>
auto withDeadline(std::chrono::milliseconds deadline, Call&& call) {
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + deadline);
  return call(&c);
}
}  // namespace

std::unique_ptr<grpc::ClientContext> GrpcRosterClient::context() const {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + deadline_);
  return c;
}

BackendStatus GrpcRosterClient::getRoster(const v1::GetRosterRequest& r, v1::GetRosterResponse* o) {
  return fromGrpc(stub_->GetRoster(context().get(), r, o));
}
BackendStatus GrpcRosterClient::setItem(const v1::SetItemRequest& r, v1::RosterEffects* o) {
  return fromGrpc(stub_->SetItem(context().get(), r, o));
}
BackendStatus GrpcRosterClient::processSubscription(const v1::SubscriptionRequest& r,
                                                    v1::SubscriptionResponse* o) {
  return fromGrpc(stub_->ProcessSubscription(context().get(), r, o));
}
BackendStatus GrpcRosterClient::presenceTargets(const v1::UserRequest& r,
                                                v1::PresenceTargetsResponse* o) {
  return fromGrpc(stub_->PresenceTargets(context().get(), r, o));
}
BackendStatus GrpcRosterClient::pendingSubscriptions(const v1::UserRequest& r,
                                                     v1::PendingSubscriptionsResponse* o) {
  return fromGrpc(stub_->PendingSubscriptions(context().get(), r, o));
}
BackendStatus GrpcRosterClient::storeOffline(const v1::StoreOfflineRequest& r,
                                             v1::StoreOfflineResponse* o) {
  return fromGrpc(stub_->StoreOffline(context().get(), r, o));
}
BackendStatus GrpcRosterClient::fetchOffline(const v1::FetchOfflineRequest& r,
                                             v1::FetchOfflineResponse* o) {
  return fromGrpc(stub_->FetchOffline(context().get(), r, o));
}
BackendStatus GrpcRosterClient::ackOffline(const v1::AckOfflineRequest& r) {
  v1::RosterEmpty e;
  return fromGrpc(stub_->AckOffline(context().get(), r, &e));
}
BackendStatus GrpcRosterClient::getVcard(const v1::VcardRequest& r, v1::VcardResponse* o) {
  return fromGrpc(stub_->GetVcard(context().get(), r, o));
}
BackendStatus GrpcRosterClient::setVcard(const v1::SetVcardRequest& r) {
  v1::RosterEmpty e;
  return fromGrpc(stub_->SetVcard(context().get(), r, &e));
}

BackendStatus GrpcPrivateStorageClient::get(const v1::PrivateGetRequest& r,
                                            v1::PrivateGetResponse* o) {
  return withDeadline(deadline_,
                      [&](grpc::ClientContext* c) { return fromGrpc(stub_->Get(c, r, o)); });
}
BackendStatus GrpcPrivateStorageClient::set(const v1::PrivateSetRequest& r) {
  v1::RosterEmpty e;
  return withDeadline(deadline_,
                      [&](grpc::ClientContext* c) { return fromGrpc(stub_->Set(c, r, &e)); });
}

BackendStatus GrpcBlockListClient::get(const v1::UserRequest& r, v1::BlockListResponse* o) {
  return withDeadline(deadline_,
                      [&](grpc::ClientContext* c) { return fromGrpc(stub_->Get(c, r, o)); });
}
BackendStatus GrpcBlockListClient::block(const v1::BlockListChange& r, v1::BlockListResponse* o) {
  return withDeadline(deadline_,
                      [&](grpc::ClientContext* c) { return fromGrpc(stub_->Block(c, r, o)); });
}
BackendStatus GrpcBlockListClient::unblock(const v1::BlockListChange& r, v1::BlockListResponse* o) {
  return withDeadline(deadline_,
                      [&](grpc::ClientContext* c) { return fromGrpc(stub_->Unblock(c, r, o)); });
}

BackendStatus GrpcLastActivityClient::get(const v1::UserRequest& r, v1::LastActivityResponse* o) {
  return withDeadline(deadline_,
                      [&](grpc::ClientContext* c) { return fromGrpc(stub_->Get(c, r, o)); });
}
BackendStatus GrpcLastActivityClient::set(const v1::SetLastActivityRequest& r) {
  v1::RosterEmpty e;
  return withDeadline(deadline_,
                      [&](grpc::ClientContext* c) { return fromGrpc(stub_->Set(c, r, &e)); });
}

Expected<bool, storage::StoreError> GrpcAccountDirectory::exists(const std::string& username) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (auto it = known_.find(username); it != known_.end() && now - it->second < cacheFor_) {
      return true;
    }
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::UserExistsRequest req;
  req.set_username(username);
  v1::UserExistsResponse res;
  grpc::Status s = stub_->UserExists(&ctx, req, &res);
  if (!s.ok()) return unexpected(storage::StoreError::kUnavailable);
  if (res.exists()) {
    std::lock_guard lock(mu_);
    if (known_.size() > 100'000) known_.clear();  // bounded
    known_[username] = now;
  }
  return res.exists();
}

storage::StoreStatus GrpcAccountDirectory::remove(const std::string& username) {
  {
    std::lock_guard lock(mu_);
    known_.erase(username);  // no more "exists" from the cache
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::DeleteAccountRequest req;
  req.set_username(username);
  v1::AuthEmpty res;
  grpc::Status s = stub_->DeleteAccount(&ctx, req, &res);
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    return unexpected(storage::StoreError::kNotFound);
  }
  if (!s.ok()) return unexpected(storage::StoreError::kUnavailable);
  return std::monostate{};
}

}  // namespace xmpp::router

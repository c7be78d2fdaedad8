#include "last_activity.hpp"

#include "roster_grpc_service.hpp"
#include "roster_logic.hpp"
#include "xmpp/service/observed.hpp"

namespace xmpp::roster {

grpc::Status LastActivityGrpcService::Get(grpc::ServerContext*, const v1::UserRequest* req,
                                          v1::LastActivityResponse* res) {
  return service::observed(metrics_, "LastActivityGet", [&] {
    auto owner = parseUser(req->user());
    if (!owner) return toStatus(owner.error());
    auto last = store_.get(owner->bareStr());
    if (!last) {
      if (last.error() == storage::StoreError::kNotFound) return grpc::Status::OK;
      return toStatus(fromStoreError(last.error()));
    }
    res->set_found(true);
    res->set_logout_unix_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(last->logout.time_since_epoch())
            .count());
    res->set_status(last->status);
    return grpc::Status::OK;
  });
}

grpc::Status LastActivityGrpcService::Set(grpc::ServerContext*,
                                          const v1::SetLastActivityRequest* req, v1::RosterEmpty*) {
  return service::observed(metrics_, "LastActivitySet", [&] {
    auto owner = parseUser(req->user());
    if (!owner) return toStatus(owner.error());
    std::string status = req->status();
    if (status.size() > maxStatusBytes_) {
      size_t cut = maxStatusBytes_;
      while (cut > 0 && (static_cast<unsigned char>(status[cut]) & 0xC0) == 0x80) --cut;
      status.resize(cut);
    }
    storage::LastActivity last{
        std::chrono::system_clock::time_point(std::chrono::milliseconds(req->logout_unix_ms())),
        std::move(status)};
    auto stored = store_.set(owner->bareStr(), last);
    return stored ? grpc::Status::OK : toStatus(fromStoreError(stored.error()));
  });
}

}  // namespace xmpp::roster

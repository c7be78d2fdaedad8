#include "blocklist.hpp"

#include <set>

#include "roster_grpc_service.hpp"
#include "roster_logic.hpp"
#include "xmpp/service/observed.hpp"

namespace xmpp::roster {
namespace {

Expected<std::vector<std::string>, RosterError> prepared(const std::vector<std::string>& jids) {
  std::vector<std::string> out;
  out.reserve(jids.size());
  for (const auto& j : jids) {
    auto parsed = jid::Jid::parse(j);
    if (!parsed) return unexpected(RosterError::kJidMalformed);
    out.push_back(parsed->str());
  }
  return out;
}

}  // namespace

Expected<std::vector<std::string>, RosterError> BlockListLogic::get(std::string_view user) {
  auto owner = parseUser(user);
  if (!owner) return unexpected(owner.error());
  auto list = store_.list(owner->bareStr());
  if (!list) return unexpected(fromStoreError(list.error()));
  return *std::move(list);
}

Expected<std::vector<std::string>, RosterError> BlockListLogic::block(
    std::string_view user, const std::vector<std::string>& jids) {
  auto owner = parseUser(user);
  if (!owner) return unexpected(owner.error());
  if (jids.empty()) return unexpected(RosterError::kBadRequest);  // XEP-0191 §3.3
  auto items = prepared(jids);
  if (!items) return unexpected(items.error());
  auto current = store_.list(owner->bareStr());
  if (!current) return unexpected(fromStoreError(current.error()));
  std::set<std::string> after(current->begin(), current->end());
  after.insert(items->begin(), items->end());
  if (after.size() > maxItems_) return unexpected(RosterError::kNotAllowed);
  auto stored = store_.block(owner->bareStr(), *items);
  if (!stored) return unexpected(fromStoreError(stored.error()));
  return std::vector<std::string>(after.begin(), after.end());
}

Expected<std::vector<std::string>, RosterError> BlockListLogic::unblock(
    std::string_view user, const std::vector<std::string>& jids) {
  auto owner = parseUser(user);
  if (!owner) return unexpected(owner.error());
  auto items = prepared(jids);
  if (!items) return unexpected(items.error());
  auto stored = store_.unblock(owner->bareStr(), *items);
  if (!stored) return unexpected(fromStoreError(stored.error()));
  return get(user);
}

namespace {
grpc::Status fill(const Expected<std::vector<std::string>, RosterError>& r,
                  v1::BlockListResponse* res) {
  if (!r) return toStatus(r.error());
  for (const auto& j : *r) res->add_jids(j);
  return grpc::Status::OK;
}
}  // namespace

grpc::Status BlockListGrpcService::Get(grpc::ServerContext*, const v1::UserRequest* req,
                                       v1::BlockListResponse* res) {
  return service::observed(metrics_, "BlockListGet",
                           [&] { return fill(logic_.get(req->user()), res); });
}

grpc::Status BlockListGrpcService::Block(grpc::ServerContext*, const v1::BlockListChange* req,
                                         v1::BlockListResponse* res) {
  return service::observed(metrics_, "Block", [&] {
    return fill(logic_.block(req->user(), {req->jids().begin(), req->jids().end()}), res);
  });
}

grpc::Status BlockListGrpcService::Unblock(grpc::ServerContext*, const v1::BlockListChange* req,
                                           v1::BlockListResponse* res) {
  return service::observed(metrics_, "Unblock", [&] {
    return fill(logic_.unblock(req->user(), {req->jids().begin(), req->jids().end()}), res);
  });
}

}  // namespace xmpp::roster

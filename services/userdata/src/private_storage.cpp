#include "private_storage.hpp"

#include <array>

#include "roster_grpc_service.hpp"
#include "roster_logic.hpp"
#include "xmpp/service/observed.hpp"

namespace xmpp::roster {
namespace {

constexpr std::string_view kPrivate = "jabber:iq:private";

// XEP-0049 §3.3: elements of these namespaces cannot be stored.
bool reserved(std::string_view ns) {
  constexpr std::array<std::string_view, 4> kReserved = {"jabber:client", "jabber:server",
                                                         "jabber:iq:private", ""};
  for (std::string_view r : kReserved) {
    if (ns == r) return true;
  }
  return false;
}

template <class F>
void forEachChildElement(const v1::Element& query, F&& f) {
  for (const auto& child : query.children()) {
    if (child.has_element()) f(child.element());
  }
}

}  // namespace

Expected<v1::Element, RosterError> PrivateStorageLogic::get(std::string_view user,
                                                            const v1::Element& query) {
  auto owner = parseUser(user);
  if (!owner) return unexpected(owner.error());
  v1::Element out;
  out.set_name("query");
  out.set_ns(std::string(kPrivate));
  int asked = 0;
  bool bad = false;
  std::optional<RosterError> failed;
  forEachChildElement(query, [&](const v1::Element& e) {
    ++asked;
    if (reserved(e.ns())) bad = true;
    if (bad || failed) return;
    auto stored = store_.get(owner->bareStr(), e.ns(), e.name());
    v1::Element& slot = *out.add_children()->mutable_element();
    if (stored) {
      if (!slot.ParseFromString(*stored)) failed = RosterError::kInternal;
    } else if (stored.error() == storage::StoreError::kNotFound) {
      slot.set_name(e.name());  // §3.2: nothing stored -> the empty element back
      slot.set_ns(e.ns());
    } else {
      failed = fromStoreError(stored.error());
    }
  });
  if (bad || asked != 1)
    return unexpected(asked == 0 ? RosterError::kBadRequest : RosterError::kNotAcceptable);
  if (failed) return unexpected(*failed);
  return out;
}

Expected<std::monostate, RosterError> PrivateStorageLogic::set(std::string_view user,
                                                               const v1::Element& query) {
  auto owner = parseUser(user);
  if (!owner) return unexpected(owner.error());
  std::vector<const v1::Element*> elements;
  forEachChildElement(query, [&](const v1::Element& e) { elements.push_back(&e); });
  if (elements.empty()) return unexpected(RosterError::kBadRequest);
  for (const v1::Element* e : elements) {
    if (reserved(e->ns())) return unexpected(RosterError::kNotAcceptable);
    if (e->ByteSizeLong() > config_.maxElementBytes) return unexpected(RosterError::kNotAcceptable);
  }
  const std::string key = owner->bareStr();
  for (const v1::Element* e : elements) {
    auto existing = store_.get(key, e->ns(), e->name());
    if (!existing && existing.error() == storage::StoreError::kNotFound) {
      auto n = store_.count(key);
      if (!n) return unexpected(fromStoreError(n.error()));
      if (*n >= config_.maxElementsPerUser) return unexpected(RosterError::kNotAllowed);
    } else if (!existing) {
      return unexpected(fromStoreError(existing.error()));
    }
    auto stored = store_.set(key, e->ns(), e->name(), e->SerializeAsString());
    if (!stored) return unexpected(fromStoreError(stored.error()));
  }
  return std::monostate{};
}

grpc::Status PrivateStorageGrpcService::Get(grpc::ServerContext*, const v1::PrivateGetRequest* req,
                                            v1::PrivateGetResponse* res) {
  return service::observed(metrics_, "PrivateGet", [&] {
    auto r = logic_.get(req->user(), req->query());
    if (!r) return toStatus(r.error());
    *res->mutable_query() = std::move(*r);
    return grpc::Status::OK;
  });
}

grpc::Status PrivateStorageGrpcService::Set(grpc::ServerContext*, const v1::PrivateSetRequest* req,
                                            v1::RosterEmpty*) {
  return service::observed(metrics_, "PrivateSet", [&] {
    auto r = logic_.set(req->user(), req->query());
    return r ? grpc::Status::OK : toStatus(r.error());
  });
}

}  // namespace xmpp::roster

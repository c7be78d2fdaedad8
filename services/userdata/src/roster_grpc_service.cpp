#include "roster_grpc_service.hpp"

#include "xmpp/service/observed.hpp"

namespace xmpp::roster {
namespace {

stanza::RosterItem fromProto(const v1::RosterItem& in) {
  stanza::RosterItem out;
  out.jid = in.jid();
  out.name = in.name();
  out.groups.assign(in.groups().begin(), in.groups().end());
  out.subscription = in.subscription();
  if (in.ask()) out.ask = "subscribe";
  out.approved = in.approved();
  return out;
}

void toProto(const stanza::RosterItem& in, v1::RosterItem& out) {
  out.set_jid(in.jid);
  out.set_name(in.name);
  for (const auto& g : in.groups) out.add_groups(g);
  out.set_subscription(in.subscription);
  out.set_ask(in.ask == "subscribe");
  out.set_approved(in.approved);
}

void addPush(const RosterPush& push, v1::RosterEffects& out) {
  v1::RosterPush* p = out.add_pushes();
  p->set_user(push.user);
  toProto(push.item, *p->mutable_item());
  p->set_version(push.version);
}

void addPresence(PresenceAction action, const std::string& contact, v1::RosterEffects& out) {
  if (action == PresenceAction::kNone) return;
  out.set_send_presence_to(contact);
  out.set_send_unavailable(action == PresenceAction::kSendUnavailable);
}

void fillChange(const RosterChange& change, v1::RosterEffects& out) {
  if (change.changed) addPush(change.push, out);
  for (const auto& s : change.routeToContact) *out.add_route() = s;
  addPresence(change.presence, change.contact, out);
}

std::optional<SubscriptionType> parseType(std::string_view t) {
  if (t == "subscribe") return SubscriptionType::kSubscribe;
  if (t == "subscribed") return SubscriptionType::kSubscribed;
  if (t == "unsubscribe") return SubscriptionType::kUnsubscribe;
  if (t == "unsubscribed") return SubscriptionType::kUnsubscribed;
  return std::nullopt;
}

}  // namespace

grpc::Status toStatus(RosterError e) {
  const std::string condition(stanzaErrorCondition(e));
  switch (e) {
    case RosterError::kBadRequest:
    case RosterError::kJidMalformed:
    case RosterError::kNotAcceptable:
      return {grpc::INVALID_ARGUMENT, condition};
    case RosterError::kNotAllowed:
      return {grpc::FAILED_PRECONDITION, condition};
    case RosterError::kItemNotFound:
      return {grpc::NOT_FOUND, condition};
    case RosterError::kServiceUnavailable:
      return {grpc::UNAVAILABLE, condition};
    case RosterError::kInternal:
      return {grpc::INTERNAL, condition};
  }
  return {grpc::INTERNAL, "internal-server-error"};
}

grpc::Status RosterGrpcService::GetRoster(grpc::ServerContext*, const v1::GetRosterRequest* req,
                                          v1::GetRosterResponse* res) {
  return service::observed(metrics_, "GetRoster", [&] {
    std::optional<std::string_view> ver;
    if (req->has_version()) ver = req->version();
    auto r = logic_.getRoster(req->user(), ver);
    if (!r) return toStatus(r.error());
    res->set_unchanged(r->unchanged);
    res->set_version(r->version);
    for (const auto& item : r->items) toProto(item, *res->add_items());
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::SetItem(grpc::ServerContext*, const v1::SetItemRequest* req,
                                        v1::RosterEffects* res) {
  return service::observed(metrics_, "SetItem", [&] {
    auto r = req->item().subscription() == "remove"
                 ? logic_.removeItem(req->user(), req->item().jid())
                 : logic_.setItem(req->user(), fromProto(req->item()));
    if (!r) return toStatus(r.error());
    fillChange(*r, *res);
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::RemoveItem(grpc::ServerContext*, const v1::RemoveItemRequest* req,
                                           v1::RosterEffects* res) {
  return service::observed(metrics_, "RemoveItem", [&] {
    auto r = logic_.removeItem(req->user(), req->contact());
    if (!r) return toStatus(r.error());
    fillChange(*r, *res);
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::ProcessSubscription(grpc::ServerContext*,
                                                    const v1::SubscriptionRequest* req,
                                                    v1::SubscriptionResponse* res) {
  return service::observed(metrics_, "ProcessSubscription", [&] {
    auto type = parseType(req->type());
    if (!type) return toStatus(RosterError::kBadRequest);
    const std::string bytes = req->has_stanza() ? req->stanza().SerializeAsString() : "";
    Result<SubscriptionResult> r =
        req->direction() == v1::SubscriptionRequest::DIRECTION_INBOUND
            ? logic_.inboundSubscription(req->user(), req->contact(), *type, bytes)
        : req->direction() == v1::SubscriptionRequest::DIRECTION_OUTBOUND
            ? logic_.outboundSubscription(req->user(), req->contact(), *type, bytes)
            : Result<SubscriptionResult>(unexpected(RosterError::kBadRequest));
    if (!r) return toStatus(r.error());
    v1::RosterEffects& effects = *res->mutable_effects();
    if (r->push) addPush(*r->push, effects);
    if (r->routeToContact) *effects.add_route() = *r->routeToContact;
    if (r->autoReply) *effects.add_route() = *r->autoReply;
    addPresence(r->presence, r->contact, effects);
    if (r->deliverToUser) *res->add_deliver() = *r->deliverToUser;
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::PresenceTargets(grpc::ServerContext*, const v1::UserRequest* req,
                                                v1::PresenceTargetsResponse* res) {
  return service::observed(metrics_, "PresenceTargets", [&] {
    auto r = logic_.presenceTargets(req->user());
    if (!r) return toStatus(r.error());
    for (auto& j : r->probe) res->add_probe(j);
    for (auto& j : r->broadcast) res->add_broadcast(j);
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::PendingSubscriptions(grpc::ServerContext*,
                                                     const v1::UserRequest* req,
                                                     v1::PendingSubscriptionsResponse* res) {
  return service::observed(metrics_, "PendingSubscriptions", [&] {
    auto r = logic_.pendingInbound(req->user());
    if (!r) return toStatus(r.error());
    for (auto& s : *r) *res->add_stanzas() = std::move(s);
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::StoreOffline(grpc::ServerContext*,
                                             const v1::StoreOfflineRequest* req,
                                             v1::StoreOfflineResponse* res) {
  return service::observed(metrics_, "StoreOffline", [&] {
    auto r = logic_.storeOffline(req->user(), req->stanza().SerializeAsString());
    if (!r) return toStatus(r.error());
    switch (*r) {
      case OfflineStatus::kStored:
        res->set_status(v1::StoreOfflineResponse::STATUS_STORED);
        break;
      case OfflineStatus::kQuotaFull:
        res->set_status(v1::StoreOfflineResponse::STATUS_QUOTA_FULL);
        break;
      case OfflineStatus::kRefused:
        res->set_status(v1::StoreOfflineResponse::STATUS_REFUSED);
        break;
      case OfflineStatus::kDiscarded:
        res->set_status(v1::StoreOfflineResponse::STATUS_DISCARDED);
        break;
    }
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::FetchOffline(grpc::ServerContext*,
                                             const v1::FetchOfflineRequest* req,
                                             v1::FetchOfflineResponse* res) {
  return service::observed(metrics_, "FetchOffline", [&] {
    auto r = logic_.fetchOffline(req->user(), req->after_id(), req->max_bytes());
    if (!r) return toStatus(r.error());
    // Stored bytes that no longer decode can never be delivered: drop them now.
    if (!r->undecodable.empty()) (void)logic_.ackOffline(req->user(), r->undecodable);
    size_t n = 0;
    for (auto& m : r->messages) {
      if (req->limit() > 0 && n++ >= req->limit()) break;
      v1::OfflineMessage* out = res->add_messages();
      out->set_id(m.id);
      *out->mutable_stanza() = std::move(m.stanza);
    }
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::AckOffline(grpc::ServerContext*, const v1::AckOfflineRequest* req,
                                           v1::RosterEmpty*) {
  return service::observed(metrics_, "AckOffline", [&] {
    auto r = logic_.ackOffline(req->user(), {req->ids().begin(), req->ids().end()});
    if (r) onOffline_("delivered", *r);
    return r ? grpc::Status::OK : toStatus(r.error());
  });
}

grpc::Status RosterGrpcService::GetVcard(grpc::ServerContext*, const v1::VcardRequest* req,
                                         v1::VcardResponse* res) {
  return service::observed(metrics_, "GetVcard", [&] {
    auto r = logic_.getVcard(req->user());
    if (!r) {
      if (r.error() == RosterError::kItemNotFound) return grpc::Status::OK;  // found = false
      return toStatus(r.error());
    }
    if (!res->mutable_vcard()->ParseFromString(*r)) return toStatus(RosterError::kInternal);
    res->set_found(true);
    return grpc::Status::OK;
  });
}

grpc::Status RosterGrpcService::SetVcard(grpc::ServerContext*, const v1::SetVcardRequest* req,
                                         v1::RosterEmpty*) {
  return service::observed(metrics_, "SetVcard", [&] {
    auto r = logic_.setVcard(req->user(), req->vcard().SerializeAsString());
    return r ? grpc::Status::OK : toStatus(r.error());
  });
}

grpc::Status RosterGrpcService::DeleteUserData(grpc::ServerContext*, const v1::UserRequest* req,
                                               v1::RosterEffects* res) {
  return service::observed(metrics_, "DeleteUserData", [&] {
    auto r = logic_.deleteUserData(req->user());
    if (!r) return toStatus(r.error());
    for (auto& s : r->routeToContacts) *res->add_route() = std::move(s);
    return grpc::Status::OK;
  });
}

}  // namespace xmpp::roster

// RFC 6121 §2 roster get/set through the userdata service (XEP-0237 versions); a roster get
// marks the session interested in pushes (§2.1.6).

#include "module.hpp"
#include "router_stanzas.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

class RosterModule final : public Module {
 public:
  explicit RosterModule(const ModuleDeps& deps) : core_(deps.core), roster_(deps.roster) {}

  std::string_view name() const override { return "roster"; }

  void registerWith(ModuleRegistry& r) override {
    r.addIq("get", ns::kRoster, "query", kSelfTargets,
            [this](const IqRequest& q) { return get(q); });
    r.addIq("set", ns::kRoster, "query", kSelfTargets,
            [this](const IqRequest& q) { return set(q); });
    r.addServerFeature(std::string(ns::kRoster));
  }

 private:
  IqAnswer get(const IqRequest& request) {
    auto query = stanza::RosterQuery::parse(request.payload);
    v1::GetRosterRequest get;
    get.set_user(request.account.bareStr());
    const bool versioned = query && query->ver.has_value();
    if (versioned) {
      get.set_version(*query->ver);
      get.set_has_version(true);
    }
    v1::GetRosterResponse roster;
    const BackendStatus status = roster_.getRoster(get, &roster);
    if (!status) return failure(fromBackendError(status.error()));
    markInterested(request.sender);
    // XEP-0237 / RFC 6121 §2.6.3: the client's version is current -> an empty result.
    if (roster.unchanged()) return emptyResult();
    stanza::RosterQuery out;
    if (versioned) out.ver = roster.version();
    for (const auto& item : roster.items()) out.items.push_back(fromProto(item));
    return resultWith(buildPayload(out));
  }

  IqAnswer set(const IqRequest& request) {
    auto query = stanza::RosterQuery::parse(request.payload);
    // RFC 6121 §2.3.3: exactly one item.
    if (!query || query->items.size() != 1) return failure(errors::badRequest());
    v1::SetItemRequest set;
    set.set_user(request.account.bareStr());
    *set.mutable_item() = toProto(query->items.front());
    v1::RosterEffects effects;
    const BackendStatus status = roster_.setItem(set, &effects);
    if (!status) return failure(fromBackendError(status.error()));
    // The pushes go out before the result, as in RFC 6121 §2.3.2's example.
    core_.applyRosterEffects(effects, request.account.bareStr(), &request.sender);
    return emptyResult();
  }

  void markInterested(const Sender& sender) {
    // The gateway reports interest too (SessionUpdate); marking it here makes the pushes that
    // may follow right away reach this session even if that update is still on its way.
    auto sessions = core_.sessionsOf(sender.bare);
    if (!sessions) return;
    auto it = sessions->find(sender.jid.resource());
    if (it == sessions->end() || it->second.session_id() != sender.sessionId ||
        it->second.interested()) {
      return;
    }
    v1::SessionInfo updated = it->second;
    updated.set_interested(true);
    core_.updateSession(sender.bare, updated);
  }

  RouterServices& core_;
  RosterClient& roster_;
};

}  // namespace

std::unique_ptr<Module> makeRosterModule(const ModuleDeps& deps) {
  return std::make_unique<RosterModule>(deps);
}

}  // namespace xmpp::router

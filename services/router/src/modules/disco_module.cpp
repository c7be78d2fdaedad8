// XEP-0030 service discovery: the server's identities and features are whatever the modules
// registered; on an account's bare JID the server answers for the account (§3.1).

#include "module.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

class DiscoModule final : public Module {
 public:
  explicit DiscoModule(const ModuleDeps& deps) : core_(deps.core), registry_(deps.registry) {}

  std::string_view name() const override { return "disco"; }

  void registerWith(ModuleRegistry& r) override {
    r.addIq("get", ns::kDiscoInfo, "query", kServerTargets | kToOwnBare,
            [this](const IqRequest& q) { return info(q); });
    r.addIq("get", ns::kDiscoItems, "query", kServerTargets | kToOwnBare,
            [this](const IqRequest& q) { return items(q); });
    r.addServerIdentity({"server", "im", core_.config().serverName});
    for (std::string_view feature : {ns::kDiscoInfo, ns::kDiscoItems}) {
      r.addServerFeature(std::string(feature));
      r.addAccountFeature(std::string(feature));
    }
  }

 private:
  IqAnswer info(const IqRequest& request) {
    if (!stanza::attribute(request.payload, "node").empty()) {
      return failure(stanzaError("item-not-found"));
    }
    stanza::DiscoInfo info;
    if (request.target == kToOwnBare) {
      info.identities.push_back({"account", "registered", {}});
      info.features = registry_.accountFeatures();
    } else {
      info.identities = registry_.serverIdentities();
      info.features = registry_.serverFeatures();
    }
    v1::Element payload = buildPayload(info);
    if (request.target != kToOwnBare) {
      for (const auto& form : registry_.serverInfoForms()) {
        *payload.add_children()->mutable_element() = form;
      }
    }
    return resultWith(std::move(payload));
  }

  IqAnswer items(const IqRequest& request) {
    if (!stanza::attribute(request.payload, "node").empty()) {
      return failure(stanzaError("item-not-found"));
    }
    // XEP-0030 §4: the server lists the services on its sub-domains (how clients find MUC,
    // upload, proxy); an account lists nothing here (PEP nodes come with pubsub).
    stanza::DiscoItems items;
    if (request.target != kToOwnBare) {
      for (const auto& [domain, kind] : core_.config().serviceDomains) {
        if (registry_.domainService(kind) != nullptr) items.items.push_back({domain, {}, {}});
      }
    }
    return resultWith(buildPayload(items));
  }

  RouterServices& core_;
  const ModuleRegistry& registry_;
};

}  // namespace

std::unique_ptr<Module> makeDiscoModule(const ModuleDeps& deps) {
  return std::make_unique<DiscoModule>(deps);
}

}  // namespace xmpp::router

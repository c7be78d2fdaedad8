// Offline storage (XEP-0160 behaviour, XEP-0203 stamps). The store-and-forward path itself is
// still the core's (RouterCore::storeOffline, fetched at initial presence); this room owns
// what the server advertises for it.

#include "module.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

class OfflineModule final : public Module {
 public:
  std::string_view name() const override { return "offline"; }
  void registerWith(ModuleRegistry& r) override {
    r.addServerFeature(std::string(ns::kDelay));
    r.addServerFeature("msgoffline");
  }
};

}  // namespace

std::unique_ptr<Module> makeOfflineModule(const ModuleDeps&) {
  return std::make_unique<OfflineModule>();
}

}  // namespace xmpp::router

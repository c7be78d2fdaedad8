// XEP-0199: the server answers pings to itself and to the sender's own account.

#include "module.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

class PingModule final : public Module {
 public:
  std::string_view name() const override { return "ping"; }
  void registerWith(ModuleRegistry& r) override {
    r.addIq("get", ns::kPing, "ping", kServerTargets | kToOwnBare,
            [](const IqRequest&) { return emptyResult(); });
    r.addServerFeature(std::string(ns::kPing));
  }
};

}  // namespace

std::unique_ptr<Module> makePingModule(const ModuleDeps&) { return std::make_unique<PingModule>(); }

}  // namespace xmpp::router

// XEP-0092 software version of the server. The operating system is not disclosed unless the
// configuration asks for it (§4: it helps attackers pick exploits).

#include <sys/utsname.h>

#include "module.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

std::string operatingSystem() {
  utsname u{};
  if (::uname(&u) != 0) return {};
  return std::string(u.sysname) + " " + u.release;
}

class VersionModule final : public Module {
 public:
  explicit VersionModule(const ModuleDeps& deps) {
    const RouterConfig& c = deps.core.config();
    answer_ = {c.serverName, c.serverVersion, c.discloseOs ? operatingSystem() : std::string()};
  }

  std::string_view name() const override { return "version"; }
  void registerWith(ModuleRegistry& r) override {
    r.addIq("get", ns::kVersion, "query", kServerTargets,
            [this](const IqRequest&) { return resultWith(buildPayload(answer_)); });
    r.addServerFeature(std::string(ns::kVersion));
  }

 private:
  stanza::SoftwareVersion answer_;
};

}  // namespace

std::unique_ptr<Module> makeVersionModule(const ModuleDeps& deps) {
  return std::make_unique<VersionModule>(deps);
}

}  // namespace xmpp::router

// The one place where the router's modules are registered, in order. A new module is a file
// in this folder (CMake picks it up) defining `std::unique_ptr<Module> makeXModule(const
// ModuleDeps&)`, and one XMPP_MODULE line here.

#include "module.hpp"

// Declares the module's factory (a block-scope declaration) and adds what it makes.
#define XMPP_MODULE(factory)                                   \
  std::unique_ptr<Module> factory(const ModuleDeps& /*deps*/); \
  modules.push_back(factory(deps))

namespace xmpp::router {

std::vector<std::unique_ptr<Module>> makeBuiltinModules(const ModuleDeps& deps) {
  std::vector<std::unique_ptr<Module>> modules;
  XMPP_MODULE(makeDiscoModule);
  XMPP_MODULE(makeRosterModule);
  XMPP_MODULE(makePingModule);
  XMPP_MODULE(makeVersionModule);
  XMPP_MODULE(makeVcardModule);
  XMPP_MODULE(makeOfflineModule);
  XMPP_MODULE(makeContactAddressesModule);
  XMPP_MODULE(makeCarbonsModule);
  XMPP_MODULE(makePrivateStorageModule);
  XMPP_MODULE(makeBlockingModule);
  XMPP_MODULE(makeLastActivityModule);
  XMPP_MODULE(makeAccountRemovalModule);
  return modules;
}

}  // namespace xmpp::router

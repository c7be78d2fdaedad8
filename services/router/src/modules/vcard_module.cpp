// XEP-0054 vcard-temp: an account's own vCard (get/set) and other accounts' vCards (get),
// stored by the userdata service.

#include "module.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

v1::Element emptyVcard() {
  v1::Element e;
  e.set_name("vCard");
  e.set_ns(std::string(ns::kVcard));
  return e;
}

class VcardModule final : public Module {
 public:
  explicit VcardModule(const ModuleDeps& deps) : core_(deps.core), roster_(deps.roster) {}

  std::string_view name() const override { return "vcard"; }
  void registerWith(ModuleRegistry& r) override {
    r.addIq("get", ns::kVcard, "vCard", kSelfTargets | kToOtherBare,
            [this](const IqRequest& q) { return get(q); });
    r.addIq("set", ns::kVcard, "vCard", kSelfTargets,
            [this](const IqRequest& q) { return set(q); });
    r.addServerFeature(std::string(ns::kVcard));
  }

 private:
  IqAnswer get(const IqRequest& request) {
    if (request.target == kToOtherBare) {
      auto exists = core_.accountExists(request.account);
      if (!exists) return failure(exists.error());
      if (!*exists) return failure(errors::serviceUnavailable());  // RFC 6121 §8.5.1
    }
    v1::VcardRequest get;
    get.set_user(request.account.bareStr());
    v1::VcardResponse vcard;
    const BackendStatus status = roster_.getVcard(get, &vcard);
    if (!status) return failure(fromBackendError(status.error()));
    // XEP-0054 §3.1: no vCard -> an empty one (item-not-found is the other choice).
    if (!vcard.found()) return resultWith(emptyVcard());
    return resultWith(vcard.vcard());
  }

  IqAnswer set(const IqRequest& request) {
    v1::SetVcardRequest set;
    set.set_user(request.account.bareStr());
    *set.mutable_vcard() = request.payload;
    const BackendStatus status = roster_.setVcard(set);
    if (!status) return failure(fromBackendError(status.error()));
    return emptyResult();
  }

  RouterServices& core_;
  RosterClient& roster_;
};

}  // namespace

std::unique_ptr<Module> makeVcardModule(const ModuleDeps& deps) {
  return std::make_unique<VcardModule>(deps);
}

}  // namespace xmpp::router

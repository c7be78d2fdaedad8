// XEP-0157 contact addresses: a http://jabber.org/network/serverinfo form in the server's
// disco#info (XEP-0128), from configuration (router.contact.<field>).

#include "module.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::router {
namespace {

constexpr std::string_view kData = "jabber:x:data";

void addField(v1::Element& form, std::string_view var, std::string_view type,
              const std::vector<std::string>& values) {
  v1::Element& f = stanza::addChild(form, "field", kData);
  stanza::setAttribute(f, "var", var);
  stanza::setAttribute(f, "type", type);
  for (const auto& v : values) stanza::addTextChild(f, "value", kData, v);
}

class ContactAddressesModule final : public Module {
 public:
  explicit ContactAddressesModule(const ModuleDeps& deps)
      : addresses_(deps.core.config().contactAddresses) {}

  std::string_view name() const override { return "contact-addresses"; }
  void registerWith(ModuleRegistry& r) override {
    if (addresses_.empty()) return;
    v1::Element form;
    form.set_name("x");
    form.set_ns(std::string(kData));
    stanza::setAttribute(form, "type", "result");
    addField(form, "FORM_TYPE", "hidden", {"http://jabber.org/network/serverinfo"});
    // list-multi, as the XEP's registry defines these fields (one address or several).
    for (const auto& [var, values] : addresses_) addField(form, var, "list-multi", values);
    r.addServerInfoForm(std::move(form));
  }

 private:
  std::map<std::string, std::vector<std::string>> addresses_;
};

}  // namespace

std::unique_ptr<Module> makeContactAddressesModule(const ModuleDeps& deps) {
  return std::make_unique<ContactAddressesModule>(deps);
}

}  // namespace xmpp::router

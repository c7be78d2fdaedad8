// XEP-0077 §3.2 account removal by its owner: <query xmlns='jabber:iq:register'><remove/>
// from a logged-in session. The auth service removes the account and its data (and keeps
// the name reserved for a while); the user's streams end with <not-authorized/> after the
// result. Other jabber:iq:register requests after login are not served here.

#include "module.hpp"
#include "router_stanzas.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::router {
namespace {

constexpr std::string_view kRegister = "jabber:iq:register";

class AccountRemovalModule final : public Module {
 public:
  explicit AccountRemovalModule(const ModuleDeps& deps)
      : core_(deps.core), accounts_(deps.accounts) {}

  std::string_view name() const override { return "account-removal"; }

  void registerWith(ModuleRegistry& r) override {
    r.addIq("set", kRegister, "query", kSelfTargets | kToDomain,
            [this](const IqRequest& q) { return remove(q); });
  }

 private:
  IqAnswer remove(const IqRequest& request) {
    if (stanza::findChild(request.payload, "remove", kRegister) == nullptr) {
      return failure(errors::serviceUnavailable());  // only cancellation after login
    }
    auto removed = accounts_.remove(std::string(request.account.local()));
    if (!removed) {
      return failure(removed.error() == storage::StoreError::kNotFound
                         ? stanzaError("item-not-found")
                         : errors::temporarilyUnavailable());
    }
    // The result first, then the streams end (the gateway keeps the order).
    core_.deliverToSender(request.sender, makeIqResult(request.stanza));
    core_.closeSessionsOf(request.account.bareStr(), "not-authorized", "account removed");
    return alreadyAnswered();
  }

  RouterServices& core_;
  AccountDirectory& accounts_;
};

}  // namespace

std::unique_ptr<Module> makeAccountRemovalModule(const ModuleDeps& deps) {
  return std::make_unique<AccountRemovalModule>(deps);
}

}  // namespace xmpp::router

// XEP-0049 private XML storage (jabber:iq:private) on the user's own account, kept by the
// userdata service. Older clients keep bookmarks (XEP-0048) and roster notes here.

#include "module.hpp"

namespace xmpp::router {
namespace {

constexpr std::string_view kPrivate = "jabber:iq:private";

class PrivateStorageModule final : public Module {
 public:
  explicit PrivateStorageModule(const ModuleDeps& deps) : storage_(deps.backends.privateStorage) {}

  std::string_view name() const override { return "private-storage"; }

  void registerWith(ModuleRegistry& r) override {
    if (storage_ == nullptr) return;
    constexpr unsigned kTargets = kSelfTargets | kToOtherBare;
    r.addIq("get", kPrivate, "query", kTargets, [this](const IqRequest& q) { return get(q); });
    r.addIq("set", kPrivate, "query", kTargets, [this](const IqRequest& q) { return set(q); });
  }

 private:
  // XEP-0049 §3.3: another account's storage is nobody else's business.
  static bool foreign(const IqRequest& q) { return q.target == kToOtherBare; }

  IqAnswer get(const IqRequest& request) {
    if (foreign(request)) return failure(stanzaError("forbidden"));
    v1::PrivateGetRequest get;
    get.set_user(request.account.bareStr());
    *get.mutable_query() = request.payload;
    v1::PrivateGetResponse response;
    const BackendStatus status = storage_->get(get, &response);
    if (!status) return failure(fromBackendError(status.error()));
    return resultWith(std::move(*response.mutable_query()));
  }

  IqAnswer set(const IqRequest& request) {
    if (foreign(request)) return failure(stanzaError("forbidden"));
    v1::PrivateSetRequest set;
    set.set_user(request.account.bareStr());
    *set.mutable_query() = request.payload;
    const BackendStatus status = storage_->set(set);
    if (!status) return failure(fromBackendError(status.error()));
    return emptyResult();
  }

  PrivateStorageClient* storage_;
};

}  // namespace

std::unique_ptr<Module> makePrivateStorageModule(const ModuleDeps& deps) {
  return std::make_unique<PrivateStorageModule>(deps);
}

}  // namespace xmpp::router

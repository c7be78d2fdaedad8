// XEP-0012 last activity (jabber:iq:last): to the server, its uptime; to an account whose
// presence the asker may see (a subscription, or the account itself), 0 seconds while it has an
// available resource, else the seconds since its last resource went offline, with the status
// of that unavailable presence. Records are kept by the userdata service.

#include <chrono>

#include "module.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::router {
namespace {

constexpr std::string_view kLast = "jabber:iq:last";

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

v1::Element answer(int64_t seconds, std::string_view status = {}) {
  v1::Element e;
  e.set_name("query");
  e.set_ns(std::string(kLast));
  stanza::setAttribute(e, "seconds", std::to_string(seconds < 0 ? 0 : seconds));
  if (!status.empty()) stanza::addText(e, status);
  return e;
}

class LastActivityModule final : public Module {
 public:
  explicit LastActivityModule(const ModuleDeps& deps)
      : core_(deps.core),
        roster_(deps.roster),
        backend_(deps.backends.lastActivity),
        started_(std::chrono::steady_clock::now()) {}

  std::string_view name() const override { return "last-activity"; }

  void registerWith(ModuleRegistry& r) override {
    r.addIq("get", kLast, "query", kServerTargets | kToOwnBare | kToOtherBare,
            [this](const IqRequest& q) { return get(q); });
    r.addServerFeature(std::string(kLast));
    if (backend_ == nullptr) return;
    r.addBroadcastPresenceHook([this](const Sender& s, const v1::Stanza& p) {
      if (p.type() == "unavailable" && !otherAvailable(s)) {
        record(s.bare, stanza::childText(p.element(), "status", "jabber:client"));
      }
    });
    r.addSessionEndedHook([this](const jid::Jid& full, bool lastResource, bool wasAvailable) {
      // Without an unavailable presence first (a dropped connection): no status.
      if (lastResource && wasAvailable) record(full.bareStr(), {});
    });
  }

 private:
  IqAnswer get(const IqRequest& request) {
    if (request.target == kToNobody || request.target == kToDomain) {
      const auto up = std::chrono::steady_clock::now() - started_;
      return resultWith(answer(std::chrono::duration_cast<std::chrono::seconds>(up).count()));
    }
    if (backend_ == nullptr) return failure(errors::serviceUnavailable());
    const std::string contact = request.account.bareStr();
    if (request.target == kToOtherBare) {
      auto exists = core_.accountExists(request.account);
      if (!exists) return failure(exists.error());
      if (!*exists) return failure(errors::serviceUnavailable());
      if (!maySeePresence(request.sender.bare, contact)) return failure(stanzaError("forbidden"));
    }
    auto sessions = core_.sessionsOf(contact);
    if (!sessions) return failure(errors::temporarilyUnavailable());
    for (const auto& [resource, s] : *sessions) {
      if (s.available()) return resultWith(answer(0));  // online now (§4)
    }
    v1::UserRequest user;
    user.set_user(contact);
    v1::LastActivityResponse last;
    const BackendStatus status = backend_->get(user, &last);
    if (!status) return failure(fromBackendError(status.error()));
    if (!last.found()) return failure(stanzaError("item-not-found"));
    return resultWith(answer((nowMs() - last.logout_unix_ms()) / 1000, last.status()));
  }

  // XEP-0012 §4: only who may see the contact's presence (a 'from' or 'both' subscription).
  bool maySeePresence(const std::string& asker, const std::string& contact) {
    v1::UserRequest request;
    request.set_user(contact);
    v1::PresenceTargetsResponse targets;
    if (!roster_.presenceTargets(request, &targets)) {
      core_.countBackendError();
      return false;
    }
    for (const auto& b : targets.broadcast()) {
      if (b == asker) return true;
    }
    return false;
  }

  bool otherAvailable(const Sender& sender) {
    auto sessions = core_.sessionsOf(sender.bare);
    if (!sessions) return false;
    for (const auto& [resource, s] : *sessions) {
      if (s.session_id() != sender.sessionId && s.available()) return true;
    }
    return false;
  }

  void record(const std::string& bare, const std::string& status) {
    v1::SetLastActivityRequest set;
    set.set_user(bare);
    set.set_status(status);
    set.set_logout_unix_ms(nowMs());
    if (!backend_->set(set)) core_.countBackendError();
  }

  RouterServices& core_;
  RosterClient& roster_;
  LastActivityClient* backend_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace

std::unique_ptr<Module> makeLastActivityModule(const ModuleDeps& deps) {
  return std::make_unique<LastActivityModule>(deps);
}

}  // namespace xmpp::router

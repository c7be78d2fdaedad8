// Offline storage (XEP-0160 behaviour, XEP-0203 stamps) over the userdata service's store: a
// message for an account with no session to take it is stored (or its sender told why not);
// stored messages go to the account's first available presence with non-negative priority,
// in pages bounded in bytes, each once the last was acknowledged, and are deleted once the
// gateway proved the client read them (its acknowledgement).

#include <mutex>
#include <set>
#include <unordered_map>

#include "module.hpp"
#include "router_stanzas.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/stanza/payloads.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::router {
namespace {

class OfflineModule final : public Module {
 public:
  explicit OfflineModule(const ModuleDeps& deps) : core_(deps.core), roster_(deps.roster) {}

  std::string_view name() const override { return "offline"; }

  void registerWith(ModuleRegistry& r) override {
    r.addServerFeature(std::string(ns::kDelay));
    r.addServerFeature("msgoffline");
    r.addUndeliverableMessageHook([this](const UndeliverableMessage& m) { return store(m); });
    r.addAvailablePresenceHook(
        [this](const Sender& sender, int priority) { flush(sender, priority); });
    r.addStoredAckHook([this](const std::string& user, const std::vector<int64_t>& ids) {
      v1::AckOfflineRequest request;
      request.set_user(user);
      for (int64_t id : ids) request.add_ids(id);
      if (!roster_.ackOffline(request)) core_.countBackendError();
      nextPage(user, ids);
    });
    r.addSessionEndedHook([this](const jid::Jid& full, bool, bool) {
      std::lock_guard lock(mu_);
      auto it = paging_.find(full.bareStr());
      if (it != paging_.end() && it->second.sender.jid == full) paging_.erase(it);
    });
  }

 private:
  HookResult store(const UndeliverableMessage& m) {
    if (m.sender == nullptr && isFromOfflineStorage(m.message, core_.config().domain)) {
      core_.countDrop();  // still stored
      return HookResult::kStop;
    }
    if (!m.accountKnown) {
      auto exists = core_.accountExists(m.user);
      if (!exists) {
        core_.bounce(m.sender, m.message, exists.error());
        return HookResult::kStop;
      }
      // RFC 6121 §8.5.1: no such user -> service-unavailable (nothing more is revealed).
      if (!*exists) return HookResult::kContinue;
    }
    v1::StoreOfflineRequest request;
    request.set_user(m.user.bareStr());
    *request.mutable_stanza() = m.message;
    v1::StoreOfflineResponse response;
    const BackendStatus status = roster_.storeOffline(request, &response);
    if (!status) {
      core_.countBackendError();
      core_.bounce(m.sender, m.message, fromBackendError(status.error()));
      return HookResult::kStop;
    }
    switch (response.status()) {
      case v1::StoreOfflineResponse::STATUS_STORED:
        return HookResult::kStop;
      case v1::StoreOfflineResponse::STATUS_QUOTA_FULL:
      case v1::StoreOfflineResponse::STATUS_REFUSED:
        return HookResult::kContinue;  // service-unavailable
      default:
        core_.countDrop();  // DISCARDED: chat states, no-store hints, ...
        return HookResult::kStop;
    }
  }

  // XEP-0160: to the first available presence with non-negative priority, once per session.
  void flush(const Sender& sender, int priority) {
    if (priority < 0 || !core_.takeOfflineTurn(sender.sessionId)) return;
    if (!deliverPage(sender, 0)) {
      core_.giveBackOfflineTurn(sender.sessionId);  // the next available presence tries again
    }
  }

  // One page after `afterId`; remembered so that its acknowledgement brings the next.
  bool deliverPage(const Sender& sender, int64_t afterId) {
    v1::FetchOfflineRequest fetch;
    fetch.set_user(sender.bare);
    fetch.set_after_id(afterId);
    fetch.set_max_bytes(static_cast<uint32_t>(core_.config().offlinePageBytes));
    v1::FetchOfflineResponse offline;
    if (!roster_.fetchOffline(fetch, &offline)) {
      core_.countBackendError();
      return false;
    }
    {
      std::lock_guard lock(mu_);
      if (offline.messages().empty()) {
        paging_.erase(sender.bare);  // all delivered
      } else if (paging_.size() < kMaxPaging || paging_.count(sender.bare) > 0) {
        Paging& p = paging_[sender.bare];  // past the bound: the rest at the next login
        p.sender = sender;
        p.lastId = offline.messages(offline.messages_size() - 1).id();
        p.outstanding.clear();
        for (const auto& m : offline.messages()) p.outstanding.insert(m.id());
      }
    }
    for (const auto& m : offline.messages())
      core_.deliverStoredToSender(sender, m.stanza(), m.id());
    return true;
  }

  // Acknowledged ids: once the whole page is, the next one goes out.
  void nextPage(const std::string& user, const std::vector<int64_t>& ids) {
    Sender sender;
    int64_t lastId = 0;
    {
      std::lock_guard lock(mu_);
      auto it = paging_.find(user);
      if (it == paging_.end()) return;
      for (int64_t id : ids) it->second.outstanding.erase(id);
      if (!it->second.outstanding.empty()) return;
      sender = it->second.sender;
      lastId = it->second.lastId;
    }
    (void)deliverPage(sender, lastId);  // a failed fetch: the rest at the next login
  }

  struct Paging {
    Sender sender;
    int64_t lastId = 0;
    std::set<int64_t> outstanding;  // ids of the last page not yet acknowledged
  };
  static constexpr size_t kMaxPaging = 100'000;

  RouterServices& core_;
  RosterClient& roster_;
  std::mutex mu_;
  std::unordered_map<std::string, Paging> paging_;  // by bare JID
};

}  // namespace

std::unique_ptr<Module> makeOfflineModule(const ModuleDeps& deps) {
  return std::make_unique<OfflineModule>(deps);
}

}  // namespace xmpp::router

// XEP-0191 blocking command (urn:xmpp:blocking): the block list (kept by the userdata service)
// with pushes to every resource that asked for it; no stanza passes between a user and a JID
// they blocked: messages and iqs to it are refused with <not-acceptable/> and
// <blocked xmlns='urn:xmpp:blocking:errors'/>, from it with <service-unavailable/>, presence
// both ways is dropped, and blocking sends unavailable presence to the blocked JID.
//
// Block lists are read through a per-router cache (bounded, expiring): every event of one user
// goes to one router, so that user's own list is always fresh there; another router may see a
// change up to router.blocklist_cache_ms late for stanzas *to* that user.

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

#include "module.hpp"
#include "router_stanzas.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::router {
namespace {

constexpr std::string_view kBlocking = "urn:xmpp:blocking";
constexpr std::string_view kFlag = "blocklist";  // the session asked for the list: gets pushes
constexpr std::size_t kMaxCachedLists = 100'000;

bool hasFlag(const v1::SessionInfo& s) {
  return std::find(s.flags().begin(), s.flags().end(), kFlag) != s.flags().end();
}

// XEP-0191 §3.4 with XEP-0016 §2.1 matching: a full JID, a bare JID (all its resources) or
// a domain (everyone there).
bool matches(const std::vector<std::string>& list, const jid::Jid& who) {
  if (list.empty()) return false;  // nearly everyone: no string is built
  auto has = [&](const std::string& j) { return std::binary_search(list.begin(), list.end(), j); };
  return has(who.str()) || has(who.bareStr()) || has(std::string(who.domain()));
}

class BlockingModule final : public Module {
 public:
  explicit BlockingModule(const ModuleDeps& deps)
      : core_(deps.core),
        roster_(deps.roster),
        backend_(deps.backends.blockList),
        ttl_(deps.core.config().blockListCacheTtl) {}

  std::string_view name() const override { return "blocking"; }

  void registerWith(ModuleRegistry& r) override {
    if (backend_ == nullptr) return;
    r.addIq("get", kBlocking, "blocklist", kSelfTargets,
            [this](const IqRequest& q) { return get(q); });
    r.addIq("set", kBlocking, "block", kSelfTargets,
            [this](const IqRequest& q) { return change(q, true); });
    r.addIq("set", kBlocking, "unblock", kSelfTargets,
            [this](const IqRequest& q) { return change(q, false); });
    r.addServerFeature(std::string(kBlocking));
    r.addInteractionFilter(
        [this](const jid::Jid& from, const jid::Jid& to) { return refused(from, to); });
  }

 private:
  using List = std::shared_ptr<const std::vector<std::string>>;  // sorted; shared, not copied
  struct Cached {
    List jids;
    std::chrono::steady_clock::time_point fetched;
  };

  std::optional<StanzaError> refused(const jid::Jid& from, const jid::Jid& to) {
    const bool fromLocal = from.domain() == core_.config().domain && !from.local().empty();
    const bool toLocal = to.domain() == core_.config().domain && !to.local().empty();
    if (fromLocal) {
      List list = listOf(from.bareStr());
      if (list && matches(*list, to)) {
        StanzaError e = stanzaError("not-acceptable");
        e.appCondition = "blocked";
        e.appNamespace = "urn:xmpp:blocking:errors";
        return e;
      }
    }
    if (toLocal) {
      List list = listOf(to.bareStr());
      if (list && matches(*list, from)) return errors::serviceUnavailable();
    }
    return std::nullopt;
  }

  // The cached list; null if the userdata service failed (then nothing is blocked: the
  // failure is counted, and a stanza is better delivered than lost).
  List listOf(const std::string& bare) {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mu_);
      auto it = cache_.find(bare);
      if (it != cache_.end() && now - it->second.fetched < ttl_) return it->second.jids;
    }
    v1::UserRequest request;
    request.set_user(bare);
    v1::BlockListResponse response;
    if (!backend_->get(request, &response)) {
      core_.countBackendError();
      return nullptr;
    }
    std::vector<std::string> jids(response.jids().begin(), response.jids().end());
    return remember(bare, std::move(jids));
  }

  List remember(const std::string& bare, std::vector<std::string> jids) {
    std::sort(jids.begin(), jids.end());
    auto list = std::make_shared<const std::vector<std::string>>(std::move(jids));
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCachedLists && !cache_.contains(bare)) cache_.erase(cache_.begin());
    cache_[bare] = {list, std::chrono::steady_clock::now()};
    return list;
  }

  IqAnswer get(const IqRequest& request) {
    List list = listOf(request.account.bareStr());
    if (!list) return failure(errors::temporarilyUnavailable());
    flagSession(request.sender);
    v1::Element out;
    out.set_name("blocklist");
    out.set_ns(std::string(kBlocking));
    for (const auto& j : *list) {
      stanza::setAttribute(stanza::addChild(out, "item", kBlocking), "jid", j);
    }
    return resultWith(std::move(out));
  }

  IqAnswer change(const IqRequest& request, bool block) {
    v1::BlockListChange change;
    change.set_user(request.account.bareStr());
    for (const auto& c : request.payload.children()) {
      if (!c.has_element() || c.element().name() != "item" || c.element().ns() != kBlocking) {
        continue;
      }
      auto j = jid::Jid::parse(stanza::attribute(c.element(), "jid"));
      if (!j) return failure(errors::jidMalformed());
      change.add_jids(j->str());
    }
    if (block && change.jids().empty()) return failure(errors::badRequest());  // §3.3
    const List known = listOf(change.user());
    const std::vector<std::string> before = known ? *known : std::vector<std::string>{};
    v1::BlockListResponse after;
    const BackendStatus status =
        block ? backend_->block(change, &after) : backend_->unblock(change, &after);
    if (!status) return failure(fromBackendError(status.error()));
    remember(change.user(), {after.jids().begin(), after.jids().end()});
    push(request, block);
    if (block) {
      for (const auto& j : change.jids()) {
        if (!std::binary_search(before.begin(), before.end(), j)) unavailableTo(request, j);
      }
    } else {
      std::vector<std::string> unblocked;
      for (const auto& j : before) {
        if (std::find(after.jids().begin(), after.jids().end(), j) == after.jids().end()) {
          unblocked.push_back(j);
        }
      }
      if (!unblocked.empty()) presenceAgain(request, unblocked);
    }
    return emptyResult();
  }

  void flagSession(const Sender& sender) {
    auto sessions = core_.sessionsOf(sender.bare);
    if (!sessions) return;
    auto it = sessions->find(sender.jid.resource());
    if (it == sessions->end() || it->second.session_id() != sender.sessionId ||
        hasFlag(it->second)) {
      return;
    }
    v1::SessionInfo updated = it->second;
    updated.add_flags(std::string(kFlag));
    core_.updateSession(sender.bare, updated);
  }

  // §3.3/§3.6: the change goes to every resource that asked for the list.
  void push(const IqRequest& request, bool block) {
    auto sessions = core_.sessionsOf(request.sender.bare);
    if (!sessions) return;
    for (const auto& [resource, s] : *sessions) {
      if (!hasFlag(s)) continue;
      v1::Stanza iq = makeStanza(v1::STANZA_KIND_IQ, {}, s.full_jid(), "set",
                                 "block-push-" + std::to_string(++pushes_));
      v1::Element& payload =
          stanza::addChild(*iq.mutable_element(), block ? "block" : "unblock", kBlocking);
      for (const auto& c : request.payload.children()) {
        if (c.has_element()) *payload.add_children() = c;
      }
      core_.deliver(iq, {&s});
    }
  }

  // §3.3: the blocked JID sees the user go offline.
  void unavailableTo(const IqRequest& request, const std::string& blocked) {
    auto target = jid::Jid::parse(blocked);
    if (!target || target->local().empty() || target->domain() != core_.config().domain) return;
    auto own = core_.sessionsOf(request.sender.bare);
    auto theirs = core_.sessionsOf(target->bareStr());
    if (!own || !theirs) return;
    SessionList to;
    for (const auto& [resource, s] : *theirs) {
      if (s.available() && (!target->isFull() || resource == target->resource())) to.push_back(&s);
    }
    if (to.empty()) return;
    for (const auto& [resource, s] : *own) {
      if (!s.available()) continue;
      core_.deliver(makeStanza(v1::STANZA_KIND_PRESENCE, s.full_jid(), blocked, "unavailable"), to);
    }
  }

  // §3.4: presence flows again as the subscriptions say: the user's current presence to an
  // unblocked contact subscribed to it, and the contact's to the user if subscribed to it.
  void presenceAgain(const IqRequest& request, const std::vector<std::string>& unblocked) {
    v1::UserRequest user;
    user.set_user(request.sender.bare);
    v1::PresenceTargetsResponse targets;
    if (!roster_.presenceTargets(user, &targets)) {
      core_.countBackendError();
      return;
    }
    auto own = core_.sessionsOf(request.sender.bare);
    if (!own) return;
    const auto listed = [](const auto& list, const std::string& bare) {
      return std::find(list.begin(), list.end(), bare) != list.end();
    };
    for (const auto& j : unblocked) {
      auto contact = jid::Jid::parse(j);
      if (!contact || contact->local().empty() || contact->domain() != core_.config().domain) {
        continue;
      }
      auto theirs = core_.sessionsOf(contact->bareStr());
      if (!theirs) continue;
      SessionList contactSessions;
      for (const auto& [resource, s] : *theirs) {
        if (s.available() && (!contact->isFull() || resource == contact->resource())) {
          contactSessions.push_back(&s);
        }
      }
      const SessionList ownSessions = availableSessions(*own);
      if (listed(targets.broadcast(), contact->bareStr())) {
        for (const auto* s : ownSessions) core_.deliver(lastPresence(*s, j), contactSessions);
      }
      if (listed(targets.probe(), contact->bareStr())) {
        for (const auto* s : contactSessions) {
          core_.deliver(lastPresence(*s, request.sender.bare), ownSessions);
        }
      }
    }
  }

  RouterServices& core_;
  RosterClient& roster_;
  BlockListClient* backend_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // guarded by mu_
  std::atomic<std::uint64_t> pushes_{0};
};

}  // namespace

std::unique_ptr<Module> makeBlockingModule(const ModuleDeps& deps) {
  return std::make_unique<BlockingModule>(deps);
}

}  // namespace xmpp::router

// XEP-0280 Message Carbons (urn:xmpp:carbons:2): a resource that enabled carbons gets a
// <sent/> copy of what its user's other resources send and a <received/> copy of what they
// receive, so every device shows the whole conversation. XEP-0334 <no-copy/> and the
// XEP's <private/> opt a message out. The enabled state is a session flag in the directory.
//
// Sent copies would cost a directory read per message; every event of a user goes to one
// router, which therefore sees that user's <enable/>s: it remembers which of its users may
// have enabled resources (a superset: the flags in the directory decide), and reads the
// sender's sessions only for them. (A router restarted with live sessions forgets this until
// the clients enable again, as they do at each login.)

#include <algorithm>
#include <mutex>
#include <set>
#include <unordered_map>

#include "module.hpp"
#include "router_stanzas.hpp"
#include "xmpp/stanza/codec.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::router {
namespace {

constexpr std::string_view kCarbons = "urn:xmpp:carbons:2";
constexpr std::string_view kForward = "urn:xmpp:forward:0";
constexpr std::string_view kHints = "urn:xmpp:hints";
constexpr std::string_view kMucUser = "http://jabber.org/protocol/muc#user";
constexpr std::string_view kFlag = "carbons";

bool enabled(const v1::SessionInfo& s) {
  return std::find(s.flags().begin(), s.flags().end(), kFlag) != s.flags().end();
}

bool hasChild(const v1::Stanza& m, std::string_view name, std::string_view ns) {
  return stanza::findChild(m.element(), name, ns) != nullptr;
}

// XEP-0280 §6: chat messages, and normal ones with a body; never errors, groupchat, messages
// that are carbons already, private ones or ones hinted not to be copied.
bool eligible(const v1::Stanza& m) {
  const MessageType type = messageType(m.type());
  if (type == MessageType::kError || type == MessageType::kGroupchat ||
      type == MessageType::kHeadline) {
    return false;
  }
  if (type == MessageType::kNormal && !hasChild(m, "body", "jabber:client")) return false;
  if (hasChild(m, "private", kCarbons) || hasChild(m, "no-copy", kHints)) return false;
  if (hasChild(m, "sent", kCarbons) || hasChild(m, "received", kCarbons)) return false;
  // A private message through a MUC room (XEP-0045 §7.5) is the room's business.
  if (hasChild(m, "x", kMucUser)) return false;
  return true;
}

// <message from=bare to=resource type=..><{direction} xmlns=carbons><forwarded>original
v1::Stanza wrap(const v1::Stanza& original, std::string_view direction, std::string_view bare,
                std::string_view to) {
  v1::Stanza copy = makeStanza(v1::STANZA_KIND_MESSAGE, bare, to, original.type());
  v1::Element& wrapper = stanza::addChild(*copy.mutable_element(), direction, kCarbons);
  v1::Element& forwarded = stanza::addChild(wrapper, "forwarded", kForward);
  *forwarded.add_children()->mutable_element() = stanza::toElement(original);
  return copy;
}

class CarbonsModule final : public Module {
 public:
  explicit CarbonsModule(const ModuleDeps& deps) : core_(deps.core) {}

  std::string_view name() const override { return "carbons"; }

  void registerWith(ModuleRegistry& r) override {
    r.addIq("set", kCarbons, "enable", kSelfTargets | kToDomain,
            [this](const IqRequest& q) { return toggle(q, true); });
    r.addIq("set", kCarbons, "disable", kSelfTargets | kToDomain,
            [this](const IqRequest& q) { return toggle(q, false); });
    r.addServerFeature(std::string(kCarbons));
    // Late, after any module that may stop the message (blocking).
    r.addOutboundMessageHook(100, [this](OutboundMessage& m) {
      sent(m);
      return HookResult::kContinue;
    });
    r.addDeliveredMessageHook(100, [this](const DeliveredMessage& m) { received(m); });
    r.addSessionEndedHook([this](const jid::Jid& full, bool, bool) { forget(full); });
  }

 private:
  IqAnswer toggle(const IqRequest& request, bool on) {
    auto sessions = core_.sessionsOf(request.sender.bare);
    if (!sessions) return failure(errors::temporarilyUnavailable());
    auto it = sessions->find(request.sender.jid.resource());
    if (it == sessions->end() || it->second.session_id() != request.sender.sessionId) {
      return failure(errors::temporarilyUnavailable());
    }
    v1::SessionInfo session = it->second;
    auto* flags = session.mutable_flags();
    auto found = std::find(flags->begin(), flags->end(), kFlag);
    if (on == (found != flags->end())) return emptyResult();
    if (on) {
      flags->Add(std::string(kFlag));
    } else {
      flags->erase(found);
    }
    if (on) remember(request.sender.jid);  // before the flag: the set stays a superset
    if (!core_.updateSession(request.sender.bare, session)) {
      return failure(errors::temporarilyUnavailable());
    }
    return emptyResult();
  }

  void remember(const jid::Jid& full) {
    std::lock_guard lock(mu_);
    if (enabledBy_.size() >= kMaxTracked && !enabledBy_.contains(full.bareStr())) {
      overflow_ = true;  // too many to track: read every sender's sessions from now on
      return;
    }
    enabledBy_[full.bareStr()].insert(std::string(full.resource()));
  }

  void forget(const jid::Jid& full) {
    std::lock_guard lock(mu_);
    auto it = enabledBy_.find(full.bareStr());
    if (it == enabledBy_.end()) return;
    it->second.erase(std::string(full.resource()));
    if (it->second.empty()) enabledBy_.erase(it);
  }

  bool mayHaveEnabled(const std::string& bare) {
    std::lock_guard lock(mu_);
    return overflow_ || enabledBy_.contains(bare);
  }

  // The sender's other carbons-enabled resources get a <sent/> copy.
  void sent(const OutboundMessage& m) {
    if (!mayHaveEnabled(m.sender.bare) || !eligible(m.message)) return;
    auto sessions = core_.sessionsOf(m.sender.bare);
    if (!sessions) return;
    for (const auto& [resource, s] : *sessions) {
      if (s.session_id() == m.sender.sessionId || !enabled(s)) continue;
      core_.deliver(wrap(m.message, "sent", m.sender.bare, s.full_jid()), {&s});
    }
  }

  // The recipient's carbons-enabled resources that did not get the message get a
  // <received/> copy (XEP-0280 §7: not the ones it went to directly).
  void received(const DeliveredMessage& m) {
    if (!eligible(m.message)) return;
    const std::string bare = m.to.bareStr();
    for (const auto& [resource, s] : m.recipientSessions) {
      if (!enabled(s)) continue;
      const bool direct =
          std::find(m.deliveredTo.begin(), m.deliveredTo.end(), &s) != m.deliveredTo.end();
      if (direct) continue;
      core_.deliver(wrap(m.message, "received", bare, s.full_jid()), {&s});
    }
  }

  static constexpr std::size_t kMaxTracked = 1'000'000;
  RouterServices& core_;
  std::mutex mu_;
  // bare JID -> resources that enabled carbons through this router (guarded by mu_)
  std::unordered_map<std::string, std::set<std::string>> enabledBy_;
  bool overflow_ = false;  // guarded by mu_
};

}  // namespace

std::unique_ptr<Module> makeCarbonsModule(const ModuleDeps& deps) {
  return std::make_unique<CarbonsModule>(deps);
}

}  // namespace xmpp::router

#include <algorithm>
#include <utility>

#include "module.hpp"

namespace xmpp::router {

IqAnswer emptyResult() { return std::optional<v1::Element>{}; }

IqAnswer resultWith(v1::Element payload) { return std::optional<v1::Element>(std::move(payload)); }

IqAnswer failure(StanzaError error) { return unexpected(std::move(error)); }

IqAnswer alreadyAnswered() { return unexpected(StanzaError{ErrorType::kCancel, {}, {}, {}, {}}); }

std::string ModuleRegistry::key(std::string_view type, std::string_view ns, std::string_view name) {
  std::string k;
  k.reserve(type.size() + ns.size() + name.size() + 2);
  k.append(type).append(1, ' ').append(ns).append(1, ' ').append(name);
  return k;
}

void ModuleRegistry::addIq(std::string_view type, std::string_view ns, std::string_view name,
                           unsigned targets, IqHandler handler) {
  iqs_[key(type, ns, name)] = IqEntry{targets, std::move(handler)};
}

void ModuleRegistry::addServerIdentity(stanza::DiscoIdentity identity) {
  identities_.push_back(std::move(identity));
}

void ModuleRegistry::addServerFeature(std::string feature) {
  if (std::find(serverFeatures_.begin(), serverFeatures_.end(), feature) == serverFeatures_.end()) {
    serverFeatures_.push_back(std::move(feature));
  }
}

void ModuleRegistry::addAccountFeature(std::string feature) {
  if (std::find(accountFeatures_.begin(), accountFeatures_.end(), feature) ==
      accountFeatures_.end()) {
    accountFeatures_.push_back(std::move(feature));
  }
}

void ModuleRegistry::addServerInfoForm(v1::Element form) { forms_.push_back(std::move(form)); }

void ModuleRegistry::addOutboundMessageHook(int order, OutboundMessageHook hook) {
  outbound_.push_back({order, std::move(hook)});
  std::stable_sort(outbound_.begin(), outbound_.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
}

void ModuleRegistry::addDeliveredMessageHook(int order, DeliveredMessageHook hook) {
  delivered_.push_back({order, std::move(hook)});
  std::stable_sort(delivered_.begin(), delivered_.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
}

void ModuleRegistry::addSessionEndedHook(SessionEndedHook hook) {
  sessionEnded_.push_back(std::move(hook));
}

void ModuleRegistry::addInteractionFilter(InteractionFilter filter) {
  filters_.push_back(std::move(filter));
}

std::optional<StanzaError> ModuleRegistry::interactionRefused(const jid::Jid& from,
                                                              const jid::Jid& to) const {
  for (const auto& f : filters_) {
    if (auto refused = f(from, to)) return refused;
  }
  return std::nullopt;
}

const ModuleRegistry::IqEntry* ModuleRegistry::findIq(std::string_view type, std::string_view ns,
                                                      std::string_view name) const {
  auto it = iqs_.find(key(type, ns, name));
  return it == iqs_.end() ? nullptr : &it->second;
}

HookResult ModuleRegistry::runOutbound(OutboundMessage& message) const {
  for (const auto& h : outbound_) {
    if (h.hook(message) == HookResult::kStop) return HookResult::kStop;
  }
  return HookResult::kContinue;
}

void ModuleRegistry::runDelivered(const DeliveredMessage& message) const {
  for (const auto& h : delivered_) h.hook(message);
}

void ModuleRegistry::runSessionEnded(const jid::Jid& fullJid, bool lastResource,
                                     bool wasAvailable) const {
  for (const auto& h : sessionEnded_) h(fullJid, lastResource, wasAvailable);
}

void ModuleRegistry::addDomainService(std::string kind, DomainService service) {
  domainServices_[std::move(kind)] = std::move(service);
}

const DomainService* ModuleRegistry::domainService(std::string_view kind) const {
  auto it = domainServices_.find(kind);
  return it == domainServices_.end() ? nullptr : &it->second;
}

void ModuleRegistry::addUndeliverableMessageHook(UndeliverableMessageHook hook) {
  undeliverable_.push_back(std::move(hook));
}
void ModuleRegistry::addAvailablePresenceHook(AvailablePresenceHook hook) {
  available_.push_back(std::move(hook));
}
void ModuleRegistry::addStoredAckHook(StoredAckHook hook) { storedAck_.push_back(std::move(hook)); }

HookResult ModuleRegistry::runUndeliverable(const UndeliverableMessage& message) const {
  for (const auto& h : undeliverable_) {
    if (h(message) == HookResult::kStop) return HookResult::kStop;
  }
  return HookResult::kContinue;
}

void ModuleRegistry::runAvailablePresence(const Sender& sender, int priority) const {
  for (const auto& h : available_) h(sender, priority);
}

bool ModuleRegistry::runStoredAck(const std::string& user, const std::vector<int64_t>& ids) const {
  for (const auto& h : storedAck_) h(user, ids);
  return !storedAck_.empty();
}

void ModuleRegistry::addBroadcastPresenceHook(BroadcastPresenceHook hook) {
  presence_.push_back(std::move(hook));
}

void ModuleRegistry::runBroadcastPresence(const Sender& sender, const v1::Stanza& presence) const {
  for (const auto& h : presence_) h(sender, presence);
}

}  // namespace xmpp::router

#include "routing_rules.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace xmpp::router {

MessageType messageType(std::string_view type) {
  if (type == "chat") return MessageType::kChat;
  if (type == "groupchat") return MessageType::kGroupchat;
  if (type == "headline") return MessageType::kHeadline;
  if (type == "error") return MessageType::kError;
  return MessageType::kNormal;  // RFC 6121 §5.2.2: unknown types are treated as normal
}

SessionList availableSessions(const SessionMap& sessions) {
  SessionList out;
  for (const auto& [resource, s] : sessions) {
    if (s.available()) out.push_back(&s);
  }
  return out;
}

SessionList messageTargets(const SessionMap& sessions, MessageType type) {
  SessionList candidates;
  for (const auto& [resource, s] : sessions) {
    if (s.available() && s.priority() >= 0) candidates.push_back(&s);
  }
  switch (type) {
    case MessageType::kHeadline:
      return candidates;
    case MessageType::kChat:
    case MessageType::kNormal: {
      if (candidates.empty()) return {};
      int top = 0;
      for (const auto* s : candidates) top = std::max(top, s->priority());
      SessionList best;
      for (const auto* s : candidates) {
        if (s->priority() != top) continue;
        best.push_back(s);
        if (type == MessageType::kNormal) break;  // candidates are in resource order
      }
      return best;
    }
    case MessageType::kGroupchat:
    case MessageType::kError:
      return {};
  }
  return {};
}

std::size_t deliverGrouped(GatewaySink& sink, const v1::Stanza& stanza, const SessionList& sessions,
                           std::int64_t offlineId, std::string_view offlineUser, bool toRecipient) {
  // Gateways in first-seen order, so the commands come out in a stable order.
  std::vector<std::pair<std::string, std::vector<std::string>>> byGateway;
  std::unordered_set<std::string_view> seen;  // a session listed twice gets it once
  for (const auto* s : sessions) {
    if (!seen.insert(s->session_id()).second) continue;
    auto it = std::find_if(byGateway.begin(), byGateway.end(),
                           [&](const auto& g) { return g.first == s->gateway_id(); });
    if (it == byGateway.end()) {
      byGateway.emplace_back(s->gateway_id(), std::vector<std::string>{});
      it = std::prev(byGateway.end());
    }
    it->second.push_back(s->session_id());
  }
  for (auto& [gateway, ids] : byGateway) {
    v1::Delivery d;
    for (auto& id : ids) d.add_session_ids(std::move(id));
    *d.mutable_stanza() = stanza;
    d.set_offline_id(offlineId);
    if (!offlineUser.empty()) d.set_offline_user(std::string(offlineUser));
    d.set_to_recipient(toRecipient);
    sink.deliver(gateway, std::move(d));
  }
  return byGateway.size();
}

}  // namespace xmpp::router

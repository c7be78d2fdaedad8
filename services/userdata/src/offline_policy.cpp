#include "offline_policy.hpp"

#include <string_view>

#include "xmpp/xml/namespaces.hpp"

namespace xmpp::roster {
namespace {

constexpr std::string_view kChatStates = "http://jabber.org/protocol/chatstates";  // XEP-0085
constexpr std::string_view kHints = "urn:xmpp:hints";                              // XEP-0334

}  // namespace

OfflineStatus classifyOffline(const v1::Stanza& stanza) {
  if (stanza.kind() != v1::STANZA_KIND_MESSAGE) return OfflineStatus::kDiscarded;
  const std::string& type = stanza.type();
  if (type == "groupchat") return OfflineStatus::kRefused;
  if (type == "headline" || type == "error") return OfflineStatus::kDiscarded;

  bool content = false;
  for (const auto& node : stanza.element().children()) {
    if (!node.has_element()) continue;  // whitespace between children
    const auto& child = node.element();
    if (child.ns() == kHints) {
      if (child.name() == "no-store" || child.name() == "no-permanent-store") {
        return OfflineStatus::kDiscarded;
      }
      if (child.name() == "store") content = true;
      continue;
    }
    // A typing notification is stale by the time anyone reads it (XEP-0160 §3).
    if (child.ns() == kChatStates) continue;
    content = true;
  }
  return content ? OfflineStatus::kStored : OfflineStatus::kDiscarded;
}

}  // namespace xmpp::roster

#pragma once
// Pure routing decisions over a bare JID's sessions (RFC 6121 §8.5): which resources get a
// message, which are available; and the one way a stanza is handed to the gateways (grouped
// by gateway, one Delivery each).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ports.hpp"

namespace xmpp::router {

using SessionMap = std::map<std::string, v1::SessionInfo>;  // by resource
using SessionList = std::vector<const v1::SessionInfo*>;

/// RFC 6121 §5.2.2 message types; an absent or unknown type is 'normal'.
enum class MessageType { kNormal, kChat, kGroupchat, kHeadline, kError };
MessageType messageType(std::string_view type);

/// Sessions that sent available presence, in resource order.
SessionList availableSessions(const SessionMap& sessions);

/// Where a message to a bare JID (or to a full JID without a session) goes, RFC 6121
/// §8.5.2.1.1: only available resources with non-negative priority count; 'chat' goes to
/// every resource tied at the highest priority, 'normal' to one of them (the first by resource
/// name: deterministic), 'headline' to all. Empty for groupchat and error, and when no
/// resource qualifies (the caller then stores offline, bounces or drops).
SessionList messageTargets(const SessionMap& sessions, MessageType type);

/// Hands `stanza` to the gateways holding `sessions`: one Delivery per gateway, listing that
/// gateway's session ids in order. Returns the number of Delivery commands. `toRecipient`:
/// each session gets it addressed to its own bare JID (Delivery.to_recipient).
std::size_t deliverGrouped(GatewaySink& sink, const v1::Stanza& stanza, const SessionList& sessions,
                           std::int64_t offlineId = 0, std::string_view offlineUser = {},
                           bool toRecipient = false);

}  // namespace xmpp::router

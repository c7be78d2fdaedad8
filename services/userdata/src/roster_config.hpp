#pragma once
// Tunables of the userdata service. Defaults are what the service runs with when the
// configuration says nothing (docs/configuration.md documents the keys).

#include <cstddef>

namespace xmpp::roster {

struct RosterConfig {
  std::size_t maxItems = 1000;          // roster size; a roster set adding more is not-allowed
  std::size_t maxNameBytes = 1023;      // 'name' attribute, UTF-8 bytes
  std::size_t maxGroupBytes = 1023;     // one <group/>, UTF-8 bytes
  std::size_t maxGroups = 64;           // groups per item
  bool preApproval = true;              // RFC 6121 §3.4 subscription pre-approvals
  std::size_t offlineQuota = 100;       // stored messages per user (0 stores nothing)
  std::size_t offlineFetchLimit = 100;  // messages returned by one fetchOffline()
  // Stanza bytes returned by one fetchOffline() (always one message): a page stays far below
  // gRPC's message limit whatever was stored (issue 9, case 5).
  std::size_t offlineFetchBytes = 1 << 20;
  std::size_t maxVcardBytes = 64 * 1024;  // serialized vCard element
  // A stored (unanswered) subscription request; larger ones are stored without payload.
  std::size_t maxPendingStanzaBytes = 4096;
};

}  // namespace xmpp::roster

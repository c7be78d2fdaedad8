#pragma once
// Small builders and readers of the stanzas the router makes or inspects itself: iq results,
// presence, roster pushes (RFC 6121 §2.1.6), the <priority/> of a presence.

#include <atomic>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "xmpp/stanza/payloads.hpp"
#include "xmpp/v1/roster.pb.h"
#include "xmpp/v1/router.pb.h"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::router {

/// Runs `f`, counting anything it throws into `failures`: the ports report failures as
/// values; anything thrown anyway (a bug, bad_alloc) must not take a worker thread down.
template <class F>
void guarded(std::atomic<std::uint64_t>& failures, F&& f) {
  try {
    f();
  } catch (const std::exception&) {
    failures.fetch_add(1, std::memory_order_relaxed);
  }
}

/// "message", "presence", "iq" (or "" for other kinds).
std::string_view kindName(v1::StanzaKind kind);

/// A message/presence/iq in jabber:client with the given envelope (empty values: absent).
v1::Stanza makeStanza(v1::StanzaKind kind, std::string_view from, std::string_view to,
                      std::string_view type, std::string_view id = {});

/// <iq type='result'/> answering `request`: same id, from/to swapped, no payload.
v1::Stanza makeIqResult(const v1::Stanza& request);

/// <iq type='set' to=`to` id=`id`><query xmlns='jabber:iq:roster' ver=..><item/></query></iq>
/// (no 'from': a push comes from the user's own account, RFC 6121 §2.1.6).
v1::Stanza makeRosterPush(const v1::RosterPush& push, std::string_view to, std::string_view id);

/// The last available presence of `session` (SessionInfo.presence, or a bare <presence/> if
/// the gateway recorded none), as sent from its full JID to `to`.
v1::Stanza lastPresence(const v1::SessionInfo& session, std::string_view to);

stanza::RosterItem fromProto(const v1::RosterItem& item);
v1::RosterItem toProto(const stanza::RosterItem& item);

/// A stored message carries our <delay from='domain'/> once fetched from offline storage.
bool isFromOfflineStorage(const v1::Stanza& message, std::string_view domain);

/// The <priority/> of a presence (RFC 6121 §4.7.2.3), clamped to -128..127; 0 if absent or not
/// a number.
int presencePriority(const v1::Stanza& presence);

}  // namespace xmpp::router

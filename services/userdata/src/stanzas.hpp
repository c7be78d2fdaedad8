#pragma once
// Building the stanzas the userdata service asks its callers to send: roster pushes (RFC 6121
// §2.1.6) and subscription-related presence (RFC 6121 §3), as xmpp.v1.Stanza values ready for
// the router. Addresses are stamped here and nowhere else.

#include <optional>
#include <string>
#include <string_view>

#include "xmpp/stanza/payloads.hpp"
#include "xmpp/storage/roster_store.hpp"
#include "xmpp/v1/stanza.pb.h"

namespace xmpp::roster {

/// A roster push due to all of the user's interested resources (those that requested the
/// roster in this session, RFC 6121 §2.1.6). The caller builds one iq per resource with
/// makeRosterPush(); `version` goes into the 'ver' attribute (XEP-0237).
struct RosterPush {
  std::string user;         // bare JID of the roster owner
  stanza::RosterItem item;  // wire view; subscription='remove' for a deleted item
  std::string version;

  friend bool operator==(const RosterPush&, const RosterPush&) = default;
};

std::string_view toString(storage::Subscription subscription);  // "none" / "to" / ...

/// The client-visible view of an item: no pending-in, no hidden flag, ask='subscribe' when
/// pending out, approved when pre-approved.
stanza::RosterItem toWireItem(const storage::RosterItem& item);

/// <iq type='set' to=`to` id=`id`><query xmlns='jabber:iq:roster' ver=..><item/></query></iq>.
v1::Stanza makeRosterPush(const RosterPush& push, std::string_view to, std::string_view id);

/// <presence from=`from` to=`to` type=`type`/> (type may be empty for available presence).
v1::Stanza makePresence(std::string_view from, std::string_view to, std::string_view type);

/// Parses serialized xmpp.v1.Stanza bytes; nullopt when they do not parse.
std::optional<v1::Stanza> parseStanza(std::string_view bytes);
std::string serialize(const v1::Stanza& stanza);

/// A subscription presence from `from` to `to` of `type`: a copy of `original` (keeping its id
/// and children such as <status/> or XEP-0172 <nick/>) when given bytes parse as a presence,
/// else a new one. Addresses are always replaced by the given bare JIDs.
v1::Stanza subscriptionPresence(std::string_view originalBytes, std::string_view from,
                                std::string_view to, std::string_view type);

}  // namespace xmpp::roster

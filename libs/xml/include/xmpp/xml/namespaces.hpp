#pragma once
// XMPP namespace URIs used across the code base.

#include <string_view>

namespace xmpp::ns {

inline constexpr std::string_view kStreams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kClient = "jabber:client";
inline constexpr std::string_view kServer = "jabber:server";
inline constexpr std::string_view kStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view kStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view kTls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr std::string_view kSasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view kBind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr std::string_view kSession = "urn:ietf:params:xml:ns:xmpp-session";
inline constexpr std::string_view kRoster = "jabber:iq:roster";
inline constexpr std::string_view kLegacyAuth = "jabber:iq:auth";
inline constexpr std::string_view kRegister = "jabber:iq:register";
inline constexpr std::string_view kDiscoInfo = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view kDiscoItems = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view kPing = "urn:xmpp:ping";
inline constexpr std::string_view kVersion = "jabber:iq:version";
inline constexpr std::string_view kVcard = "vcard-temp";
inline constexpr std::string_view kDelay = "urn:xmpp:delay";
inline constexpr std::string_view kRosterVer = "urn:xmpp:features:rosterver";

}  // namespace xmpp::ns

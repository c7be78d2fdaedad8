#pragma once
// Typed views of well-known payloads. Each type names its (element, namespace) and can
// parse itself from / build itself into the generic element tree. Unknown payloads stay
// generic and pass through untouched.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/stanza/element.hpp"
#include "xmpp/v1/stanza.pb.h"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::stanza {

/// RFC 6120 §7 resource binding.
struct Bind {
  static constexpr std::string_view kName = "bind";
  static constexpr std::string_view kNamespace = ns::kBind;
  std::string resource;  // requested by the client
  std::string jid;       // assigned by the server
  static std::optional<Bind> parse(const v1::Element& e);
  void build(v1::Element& e) const;
  bool operator==(const Bind&) const = default;
};

/// RFC 3921 session establishment, answered for old clients.
struct Session {
  static constexpr std::string_view kName = "session";
  static constexpr std::string_view kNamespace = ns::kSession;
  static std::optional<Session> parse(const v1::Element& e);
  void build(v1::Element& e) const;
  bool operator==(const Session&) const = default;
};

/// RFC 6121 §2 roster item.
struct RosterItem {
  std::string jid;
  std::string name;
  std::string subscription;  // none/to/from/both/remove; empty if absent
  std::string ask;           // "subscribe" when pending out
  bool approved = false;
  std::vector<std::string> groups;
  bool operator==(const RosterItem&) const = default;
};

struct RosterQuery {
  static constexpr std::string_view kName = "query";
  static constexpr std::string_view kNamespace = ns::kRoster;
  std::optional<std::string> ver;  // XEP-0237 roster version
  std::vector<RosterItem> items;
  static std::optional<RosterQuery> parse(const v1::Element& e);
  void build(v1::Element& e) const;
  bool operator==(const RosterQuery&) const = default;
};

/// XEP-0030 disco#info.
struct DiscoIdentity {
  std::string category;
  std::string type;
  std::string name;
  bool operator==(const DiscoIdentity&) const = default;
};

struct DiscoInfo {
  static constexpr std::string_view kName = "query";
  static constexpr std::string_view kNamespace = ns::kDiscoInfo;
  std::string node;
  std::vector<DiscoIdentity> identities;
  std::vector<std::string> features;
  static std::optional<DiscoInfo> parse(const v1::Element& e);
  void build(v1::Element& e) const;
  bool operator==(const DiscoInfo&) const = default;
};

/// XEP-0030 disco#items.
struct DiscoItem {
  std::string jid;
  std::string node;
  std::string name;
  bool operator==(const DiscoItem&) const = default;
};

struct DiscoItems {
  static constexpr std::string_view kName = "query";
  static constexpr std::string_view kNamespace = ns::kDiscoItems;
  std::string node;
  std::vector<DiscoItem> items;
  static std::optional<DiscoItems> parse(const v1::Element& e);
  void build(v1::Element& e) const;
  bool operator==(const DiscoItems&) const = default;
};

/// XEP-0092 software version.
struct SoftwareVersion {
  static constexpr std::string_view kName = "query";
  static constexpr std::string_view kNamespace = ns::kVersion;
  std::string name;
  std::string version;
  std::string os;
  static std::optional<SoftwareVersion> parse(const v1::Element& e);
  void build(v1::Element& e) const;
  bool operator==(const SoftwareVersion&) const = default;
};

/// XEP-0078 legacy authentication query.
struct LegacyAuth {
  static constexpr std::string_view kName = "query";
  static constexpr std::string_view kNamespace = ns::kLegacyAuth;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> digest;
  std::optional<std::string> resource;
  static std::optional<LegacyAuth> parse(const v1::Element& e);
  void build(v1::Element& e) const;
  bool operator==(const LegacyAuth&) const = default;
};

/// XEP-0203 delayed delivery stamp.
struct Delay {
  static constexpr std::string_view kName = "delay";
  static constexpr std::string_view kNamespace = ns::kDelay;
  std::string from;
  std::string stamp;  // XEP-0082 date-time
  std::string reason;
  static std::optional<Delay> parse(const v1::Element& e);
  void build(v1::Element& e) const;
  bool operator==(const Delay&) const = default;
};

/// Typed accessor: the first child of the stanza matching T's (element, namespace).
template <class T>
std::optional<T> getPayload(const v1::Stanza& stanza) {
  const v1::Element* e = findChild(stanza.element(), T::kName, T::kNamespace);
  if (e == nullptr) return std::nullopt;
  return T::parse(*e);
}

/// Appends T as a child of the stanza.
template <class T>
void addPayload(v1::Stanza& stanza, const T& payload) {
  payload.build(addChild(*stanza.mutable_element(), T::kName, T::kNamespace));
}

}  // namespace xmpp::stanza

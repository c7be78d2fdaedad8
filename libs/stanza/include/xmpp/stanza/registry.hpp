#pragma once
// Known payloads by (element, namespace): one lookup instead of an if/else chain per XEP.
// The gateway and router use it to recognise what they handle themselves; everything
// not registered is routed as a generic tree.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "xmpp/stanza/payloads.hpp"

namespace xmpp::stanza {

using Payload = std::variant<Bind, Session, RosterQuery, DiscoInfo, DiscoItems, Ping,
                             SoftwareVersion, LegacyAuth, Delay>;

class PayloadRegistry {
 public:
  using Parser = std::optional<Payload> (*)(const v1::Element&);

  /// A registry holding every payload type above.
  static PayloadRegistry standard();

  template <class T>
  void add() {
    entries_[key(T::kName, T::kNamespace)] = [](const v1::Element& e) -> std::optional<Payload> {
      auto parsed = T::parse(e);
      if (!parsed) return std::nullopt;
      return Payload{std::move(*parsed)};
    };
  }

  bool contains(std::string_view name, std::string_view ns) const;
  /// Typed view of `e` if its (name, ns) is registered and it parses.
  std::optional<Payload> parse(const v1::Element& e) const;
  /// The first registered child payload of a stanza (e.g. an iq's query).
  std::optional<Payload> parseFirst(const v1::Stanza& stanza) const;

 private:
  static std::string key(std::string_view name, std::string_view ns);
  Parser find(std::string_view name, std::string_view ns) const;

  std::unordered_map<std::string, Parser> entries_;
};

}  // namespace xmpp::stanza

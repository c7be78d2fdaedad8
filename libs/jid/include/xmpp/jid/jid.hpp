#pragma once
// XMPP addresses (RFC 7622 form: localpart@domainpart/resourcepart), prepared with the
// stringprep profiles of RFC 6122 (nodeprep / nameprep / resourceprep) as implemented by libidn.
//
// Parsing never throws. Pure-ASCII parts take an inline fast path that yields exactly what libidn
// would; libidn is called only for parts containing bytes >= 0x80.

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/common/expected.hpp"

namespace xmpp::jid {

enum class JidError {
  kEmpty,            // the input text is empty
  kTooLong,          // the input text is longer than any valid JID could be
  kBadLocalpart,     // empty after '@', prohibited characters, bad UTF-8, or > 1023 bytes
  kBadDomainpart,    // empty, not a host name / IP literal, bad UTF-8, or > 1023 bytes
  kBadResourcepart,  // empty after '/', prohibited characters, bad UTF-8, or > 1023 bytes
};

std::string_view toString(JidError error);

// Limits from RFC 7622 §3.2-3.4, in bytes of the prepared (UTF-8) form.
inline constexpr std::size_t kMaxPartBytes = 1023;
// Longest input parse() looks at: three maximal parts, '@' and '/', plus slack for a trailing dot.
inline constexpr std::size_t kMaxJidInputBytes = 3 * kMaxPartBytes + 2 + 2;

class Jid {
 public:
  Jid() = default;  // empty / invalid JID

  static xmpp::Expected<Jid, JidError> parse(std::string_view text);
  // Builds from parts, each prepared and validated. An empty local or resource means "absent";
  // the domain is required.
  static xmpp::Expected<Jid, JidError> fromParts(std::string_view local, std::string_view domain,
                                                 std::string_view resource);

  const std::string& local() const { return local_; }  // prepared; empty if absent
  const std::string& domain() const { return domain_; }
  const std::string& resource() const { return resource_; }  // prepared; empty if absent

  bool empty() const { return domain_.empty(); }  // default-constructed
  bool isBare() const { return resource_.empty(); }
  bool isFull() const { return !resource_.empty(); }

  Jid bare() const;  // drops the resource
  // Same local and domain with a new (prepared, validated) resource. An empty resource is
  // kBadResourcepart (use bare() to drop it); on an empty Jid the result is kBadDomainpart.
  xmpp::Expected<Jid, JidError> withResource(std::string_view resource) const;

  std::string str() const { return full_; }  // local@domain/resource, prepared form
  std::string bareStr() const {              // local@domain
    return resource_.empty() ? full_ : full_.substr(0, full_.size() - resource_.size() - 1);
  }

  friend bool operator==(const Jid&, const Jid&) = default;  // compares prepared parts
  auto operator<=>(const Jid&) const = default;

 private:
  friend struct std::hash<Jid>;
  Jid(std::string local, std::string domain, std::string resource);

  std::string local_;
  std::string domain_;
  std::string resource_;
  std::string full_;  // cached local@domain/resource; a function of the three parts
};

namespace detail {

enum class Profile { kNodeprep, kNameprep, kResourceprep };

// Runs one stringprep profile exactly as libidn's stringprep(..., flags = 0, profile) does.
// Pure-ASCII input uses the fast path unless force_libidn is set. Returns nullopt when libidn
// would fail (prohibited code point, bidi violation, invalid UTF-8), for input containing a NUL
// byte (libidn cannot see past it), and for outputs too long to be any JID part (> 1023 bytes
// and larger than the 4 * size + 64 byte buffer).
std::optional<std::string> stringprep(Profile profile, std::string_view in,
                                      bool force_libidn = false);

// Full per-part preparation and validation as used by parse() and fromParts().
// The input must be the part as it appears in the JID (no '@'/'/' delimiters).
xmpp::Expected<std::string, JidError> prepareLocalpart(std::string_view in,
                                                       bool force_libidn = false);
xmpp::Expected<std::string, JidError> prepareDomainpart(std::string_view in,
                                                        bool force_libidn = false);
xmpp::Expected<std::string, JidError> prepareResourcepart(std::string_view in,
                                                          bool force_libidn = false);

}  // namespace detail
}  // namespace xmpp::jid

template <>
struct std::hash<xmpp::jid::Jid> {
  std::size_t operator()(const xmpp::jid::Jid& jid) const noexcept {
    return std::hash<std::string>{}(jid.full_);
  }
};

#include "xmpp/jid/jid.hpp"

#include <arpa/inet.h>
#include <punycode.h>
#include <stringprep.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

namespace xmpp::jid {
namespace {

using xmpp::unexpected;

bool isAscii(std::string_view s) {
  // Bytewise OR; compilers vectorise this loop.
  unsigned char acc = 0;
  for (char c : s) acc |= static_cast<unsigned char>(c);
  return acc < 0x80;
}

bool isAsciiControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

char toLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// Characters RFC 6122 Appendix A.5 (nodeprep) prohibits in addition to stringprep's tables.
bool isNodeprepExtraProhibited(unsigned char c) {
  switch (c) {
    case '"':
    case '&':
    case '\'':
    case '/':
    case ':':
    case '<':
    case '>':
    case '@':
      return true;
    default:
      return false;
  }
}

// Decodes one UTF-8 sequence starting at s[i]; strict (no overlongs, no surrogates, <= U+10FFFF).
// Returns the number of bytes consumed, 0 if invalid.
std::size_t decodeUtf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len;
  char32_t min;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
    cp = b0 & 0x1f;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    cp = b0 & 0x0f;
    min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

bool isValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t cp;
    const std::size_t n = decodeUtf8(s, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

const Stringprep_profile* libidnProfile(detail::Profile profile) {
  switch (profile) {
    case detail::Profile::kNodeprep:
      return stringprep_xmpp_nodeprep;
    case detail::Profile::kNameprep:
      return stringprep_nameprep;
    case detail::Profile::kResourceprep:
      return stringprep_xmpp_resourceprep;
  }
  return stringprep_xmpp_resourceprep;
}

// ASCII-only equivalent of libidn's profiles. For ASCII input, stringprep reduces to:
//   nodeprep:     B.2 maps A-Z to a-z; C.1.1 (space), C.2.1 (0x00-0x1F, 0x7F) and the RFC 6122
//                 extra characters " & ' / : < > @ are prohibited.
//   nameprep:     A-Z to a-z; nothing ASCII is prohibited (RFC 3491 omits C.1.1 and C.2.1), so
//                 the host name rules in prepareDomainpart do the rejecting.
//   resourceprep: no mapping; C.2.1 prohibited, space allowed.
// NFKC, the bidi rules and the other tables never touch ASCII.
std::optional<std::string> asciiPrep(detail::Profile profile, std::string_view in) {
  std::string out(in.size(), '\0');
  switch (profile) {
    case detail::Profile::kNodeprep:
      for (std::size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (isAsciiControl(c) || c == ' ' || isNodeprepExtraProhibited(c)) return std::nullopt;
        out[i] = toLowerAscii(in[i]);
      }
      break;
    case detail::Profile::kNameprep:
      for (std::size_t i = 0; i < in.size(); ++i) out[i] = toLowerAscii(in[i]);
      break;
    case detail::Profile::kResourceprep:
      for (std::size_t i = 0; i < in.size(); ++i) {
        if (isAsciiControl(static_cast<unsigned char>(in[i]))) return std::nullopt;
        out[i] = in[i];
      }
      break;
  }
  return out;
}

std::optional<std::string> libidnPrep(detail::Profile profile, std::string_view in) {
  // libidn works on NUL-terminated strings: an embedded NUL would silently truncate the input.
  if (in.find('\0') != std::string_view::npos) return std::nullopt;
  // Validate ourselves rather than rely on the libidn version's UTF-8 decoder.
  if (!isValidUtf8(in)) return std::nullopt;
  // NFKC can expand (U+FDFA becomes 33 bytes), so size generously. The buffer always has room
  // for a maximal part, so STRINGPREP_TOO_SMALL_BUFFER means the output is too long to be one.
  const std::size_t cap = std::max(in.size() * 4 + 64, kMaxPartBytes + 2);
  std::string buf(cap, '\0');
  std::memcpy(buf.data(), in.data(), in.size());
  const int rc = ::stringprep(buf.data(), cap, static_cast<Stringprep_profile_flags>(0),
                              libidnProfile(profile));
  if (rc != STRINGPREP_OK) return std::nullopt;  // includes STRINGPREP_TOO_SMALL_BUFFER
  buf.resize(std::strlen(buf.c_str()));
  return buf;
}

bool isLdhAscii(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || (c >= 'A' && c <= 'Z');
}

// Length of the label's A-label ("xn--" + Punycode) must fit DNS's 63 octets.
bool aceLabelFits(std::string_view label) {
  constexpr std::size_t kMaxPunycode = 63 - 4;
  // Each code point produces at least one Punycode character.
  std::array<punycode_uint, kMaxPunycode + 1> cps{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < label.size();) {
    if (n == cps.size()) return false;
    char32_t cp;
    const std::size_t len = decodeUtf8(label, i, cp);
    if (len == 0) return false;
    cps[n++] = static_cast<punycode_uint>(cp);
    i += len;
  }
  std::array<char, kMaxPunycode> out{};
  std::size_t out_len = out.size();
  return punycode_encode(n, cps.data(), nullptr, &out_len, out.data()) == punycode_success;
}

// Host name rules on a prepared domain: dot-separated labels, each non-empty, no leading or
// trailing '-', ASCII limited to letters/digits/'-' (non-ASCII code points are allowed), and at
// most 63 octets per label (for non-ASCII labels: of the xn-- form DNS would carry).
bool isValidHostname(std::string_view d) {
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = d.find('.', start);
    const std::string_view label =
        d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    bool ascii = true;
    for (char ch : label) {
      const auto c = static_cast<unsigned char>(ch);
      if (c >= 0x80) {
        ascii = false;
      } else if (!isLdhAscii(c)) {
        return false;
      }
    }
    if (ascii ? label.size() > 63 : !aceLabelFits(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// "[...]" holding something inet_pton accepts as IPv6.
bool isIpv6Literal(std::string_view d) {
  if (d.size() < 3 || d.front() != '[' || d.back() != ']') return false;
  const std::string_view inner = d.substr(1, d.size() - 2);
  std::array<char, 64> text{};
  if (inner.size() >= text.size() || inner.find('\0') != std::string_view::npos) return false;
  std::memcpy(text.data(), inner.data(), inner.size());
  unsigned char addr[16];
  return inet_pton(AF_INET6, text.data(), addr) == 1;
}

void lowerAsciiInPlace(std::string& s) {
  for (char& c : s) c = toLowerAscii(c);
}

// IDNA2003 label separators that survive nameprep: U+3002 IDEOGRAPHIC FULL STOP (U+FF0E is
// already NFKC-mapped to '.', U+FF61 to U+3002).
void mapIdeographicFullStops(std::string& s) {
  static constexpr std::string_view kStop = "\xe3\x80\x82";
  std::size_t pos = s.find(kStop);
  if (pos == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  std::size_t prev = 0;
  for (; pos != std::string::npos; pos = s.find(kStop, prev)) {
    out.append(s, prev, pos - prev);
    out.push_back('.');
    prev = pos + kStop.size();
  }
  out.append(s, prev, std::string::npos);
  s = std::move(out);
}

}  // namespace

std::string_view toString(JidError error) {
  switch (error) {
    case JidError::kEmpty:
      return "empty JID";
    case JidError::kTooLong:
      return "JID too long";
    case JidError::kBadLocalpart:
      return "invalid localpart";
    case JidError::kBadDomainpart:
      return "invalid domainpart";
    case JidError::kBadResourcepart:
      return "invalid resourcepart";
  }
  return "unknown JID error";
}

namespace detail {

std::optional<std::string> stringprep(Profile profile, std::string_view in, bool force_libidn) {
  if (!force_libidn && isAscii(in)) {
    // libidn stops at the first NUL; refuse it on both paths so they agree.
    if (in.find('\0') != std::string_view::npos) return std::nullopt;
    return asciiPrep(profile, in);
  }
  return libidnPrep(profile, in);
}

xmpp::Expected<std::string, JidError> prepareLocalpart(std::string_view in, bool force_libidn) {
  if (in.size() > kMaxJidInputBytes) return unexpected(JidError::kBadLocalpart);
  std::optional<std::string> out = stringprep(Profile::kNodeprep, in, force_libidn);
  if (!out || out->empty() || out->size() > kMaxPartBytes) {
    return unexpected(JidError::kBadLocalpart);
  }
  // nodeprep already prohibits these; check the output anyway (defence against library changes).
  for (char ch : *out) {
    const auto c = static_cast<unsigned char>(ch);
    if (isAsciiControl(c) || c == ' ' || isNodeprepExtraProhibited(c)) {
      return unexpected(JidError::kBadLocalpart);
    }
  }
  return std::move(*out);
}

xmpp::Expected<std::string, JidError> prepareDomainpart(std::string_view in, bool force_libidn) {
  if (in.size() > kMaxJidInputBytes) return unexpected(JidError::kBadDomainpart);
  // RFC 7622 §3.2: strip one trailing label separator before anything else.
  if (!in.empty() && in.back() == '.') in.remove_suffix(1);
  if (in.empty()) return unexpected(JidError::kBadDomainpart);

  if (in.front() == '[') {
    if (!isIpv6Literal(in)) return unexpected(JidError::kBadDomainpart);
    std::string out(in);
    lowerAsciiInPlace(out);
    return out;
  }

  std::optional<std::string> out = stringprep(Profile::kNameprep, in, force_libidn);
  if (!out) return unexpected(JidError::kBadDomainpart);
  mapIdeographicFullStops(*out);
  // Dotted-quad IPv4 addresses are valid host names under these rules and pass unchanged.
  if (out->empty() || out->size() > kMaxPartBytes || !isValidHostname(*out)) {
    return unexpected(JidError::kBadDomainpart);
  }
  return std::move(*out);
}

xmpp::Expected<std::string, JidError> prepareResourcepart(std::string_view in, bool force_libidn) {
  if (in.size() > kMaxJidInputBytes) return unexpected(JidError::kBadResourcepart);
  std::optional<std::string> out = stringprep(Profile::kResourceprep, in, force_libidn);
  if (!out || out->empty() || out->size() > kMaxPartBytes) {
    return unexpected(JidError::kBadResourcepart);
  }
  for (char ch : *out) {
    if (isAsciiControl(static_cast<unsigned char>(ch))) {
      return unexpected(JidError::kBadResourcepart);
    }
  }
  return std::move(*out);
}

}  // namespace detail

Jid::Jid(std::string local, std::string domain, std::string resource)
    : local_(std::move(local)), domain_(std::move(domain)), resource_(std::move(resource)) {
  full_.reserve(local_.size() + domain_.size() + resource_.size() + 2);
  if (!local_.empty()) {
    full_.append(local_);
    full_.push_back('@');
  }
  full_.append(domain_);
  if (!resource_.empty()) {
    full_.push_back('/');
    full_.append(resource_);
  }
}

xmpp::Expected<Jid, JidError> Jid::parse(std::string_view text) {
  if (text.empty()) return unexpected(JidError::kEmpty);
  if (text.size() > kMaxJidInputBytes) return unexpected(JidError::kTooLong);

  // Resource: everything after the first '/'. Local: before the first '@' preceding that '/'.
  const std::size_t slash = text.find('/');
  const std::string_view head = text.substr(0, slash);  // npos -> whole text
  const std::size_t at = head.find('@');

  std::string local;
  std::string_view domain_in = head;
  if (at != std::string_view::npos) {
    auto l = detail::prepareLocalpart(head.substr(0, at));
    if (!l) return unexpected(l.error());
    local = std::move(*l);
    domain_in = head.substr(at + 1);
  }

  auto domain = detail::prepareDomainpart(domain_in);
  if (!domain) return unexpected(domain.error());

  std::string resource;
  if (slash != std::string_view::npos) {
    auto r = detail::prepareResourcepart(text.substr(slash + 1));
    if (!r) return unexpected(r.error());
    resource = std::move(*r);
  }
  return Jid(std::move(local), std::move(*domain), std::move(resource));
}

xmpp::Expected<Jid, JidError> Jid::fromParts(std::string_view local, std::string_view domain,
                                             std::string_view resource) {
  std::string l;
  if (!local.empty()) {
    auto p = detail::prepareLocalpart(local);
    if (!p) return unexpected(p.error());
    l = std::move(*p);
  }
  auto d = detail::prepareDomainpart(domain);
  if (!d) return unexpected(d.error());
  std::string r;
  if (!resource.empty()) {
    auto p = detail::prepareResourcepart(resource);
    if (!p) return unexpected(p.error());
    r = std::move(*p);
  }
  return Jid(std::move(l), std::move(*d), std::move(r));
}

Jid Jid::bare() const {
  if (resource_.empty()) return *this;
  return Jid(local_, domain_, std::string());
}

xmpp::Expected<Jid, JidError> Jid::withResource(std::string_view resource) const {
  if (empty()) return unexpected(JidError::kBadDomainpart);
  auto r = detail::prepareResourcepart(resource);
  if (!r) return unexpected(r.error());
  return Jid(local_, domain_, std::move(*r));
}

}  // namespace xmpp::jid

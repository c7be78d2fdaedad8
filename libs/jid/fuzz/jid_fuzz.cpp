// libFuzzer target for xmpp::jid: no crashes/UB on any input, idempotent preparation, and the
// ASCII fast path agreeing with libidn.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "xmpp/jid/jid.hpp"

namespace {

using xmpp::jid::Jid;
namespace detail = xmpp::jid::detail;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "jid_fuzz: %s (input %zu bytes)\n", what, input.size());
  std::abort();
}

bool isAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

template <class A, class B>
bool sameResult(const A& a, const B& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || *a == *b;
}

// Fast path vs forced libidn, for the raw profiles and the full per-part preparation.
void checkDifferential(std::string_view part, std::string_view input) {
  using detail::Profile;
  for (Profile p : {Profile::kNodeprep, Profile::kNameprep, Profile::kResourceprep}) {
    if (detail::stringprep(p, part, false) != detail::stringprep(p, part, true)) {
      fail("stringprep fast path differs from libidn", input);
    }
  }
  if (!sameResult(detail::prepareLocalpart(part, false), detail::prepareLocalpart(part, true))) {
    fail("prepareLocalpart fast path differs from libidn", input);
  }
  if (!sameResult(detail::prepareDomainpart(part, false), detail::prepareDomainpart(part, true))) {
    fail("prepareDomainpart fast path differs from libidn", input);
  }
  if (!sameResult(detail::prepareResourcepart(part, false),
                  detail::prepareResourcepart(part, true))) {
    fail("prepareResourcepart fast path differs from libidn", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto jid = Jid::parse(input);
  if (jid) {
    const Jid& j = *jid;
    if (j.empty() || j.domain().empty()) fail("valid JID without domain", input);
    const std::string s = j.str();
    auto again = Jid::parse(s);
    if (!again) fail("str() of a valid JID does not parse", input);
    if (!(*again == j) || again->str() != s) fail("preparation is not idempotent", input);
    auto parts = Jid::fromParts(j.local(), j.domain(), j.resource());
    if (!parts || !(*parts == j)) fail("fromParts disagrees with parse", input);

    const Jid b = j.bare();
    if (!b.isBare() || b.isFull() || b.local() != j.local() || b.domain() != j.domain()) {
      fail("bare() is not the bare JID", input);
    }
    if (b.str() != j.bareStr() || b.bareStr() != j.bareStr()) fail("bareStr mismatch", input);
    if (j.isFull()) {
      auto w = b.withResource(j.resource());
      if (!w || !(*w == j)) fail("withResource(resource()) does not round-trip", input);
    }
    if (std::hash<Jid>{}(*again) != std::hash<Jid>{}(j)) fail("hash differs", input);
  }

  if (size <= xmpp::jid::kMaxJidInputBytes && isAscii(input)) {
    // The whole input and each of its split parts (parse()'s own split rule).
    checkDifferential(input, input);
    const std::size_t slash = input.find('/');
    const std::string_view head = input.substr(0, slash);
    const std::size_t at = head.find('@');
    if (at != std::string_view::npos) {
      checkDifferential(head.substr(0, at), input);
      checkDifferential(head.substr(at + 1), input);
    }
    if (slash != std::string_view::npos) checkDifferential(input.substr(slash + 1), input);
  }
  return 0;
}

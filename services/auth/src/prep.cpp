#include "prep.hpp"

#include <stringprep.h>

#include <algorithm>
#include <vector>

#include "xmpp/jid/jid.hpp"

namespace xmpp::auth {
namespace {

// Longer passwords are refused outright: PBKDF2 cost grows with them only slightly, but there
// is no reason to accept unbounded input on an unauthenticated path.
constexpr std::size_t kMaxPasswordBytes = 1024;

}  // namespace

std::optional<std::string> saslprep(std::string_view in, SaslprepMode mode) {
  if (in.empty() || in.size() > kMaxPasswordBytes) return std::nullopt;
  if (in.find('\0') != std::string_view::npos) return std::nullopt;
  // NFKC can expand a code point up to 18 times (U+FDFA); libidn works in place and needs room.
  std::vector<char> buf(in.size() * 18 + 1, '\0');
  std::copy(in.begin(), in.end(), buf.begin());
  // stringprep.h's stringprep_saslprep() convenience macro does not compile as C++ (it passes an
  // int as the flags enum), hence the direct call.
  const auto flags = static_cast<Stringprep_profile_flags>(
      mode == SaslprepMode::kStored ? STRINGPREP_NO_UNASSIGNED : 0);
  if (stringprep(buf.data(), buf.size(), flags, stringprep_saslprep) != STRINGPREP_OK) {
    return std::nullopt;
  }
  std::string out(buf.data());
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> prepareUsername(std::string_view in) {
  if (in.empty()) return std::nullopt;  // fromParts() reads an empty localpart as "absent"
  auto jid = xmpp::jid::Jid::fromParts(in, "example.com", "");
  if (!jid || jid->local().empty()) return std::nullopt;
  return jid->local();
}

bool authzidAcceptable(std::string_view authzid, std::string_view username,
                       std::span<const std::string> domains) {
  if (authzid.empty() || authzid == username) return true;
  if (authzid.find('@') == std::string_view::npos) {
    auto prepared = prepareUsername(authzid);
    return prepared && *prepared == username;
  }
  auto jid = xmpp::jid::Jid::parse(authzid);
  if (!jid || !jid->isBare() || jid->local() != username) return false;
  return domains.empty() ||
         std::find(domains.begin(), domains.end(), jid->domain()) != domains.end();
}

}  // namespace xmpp::auth

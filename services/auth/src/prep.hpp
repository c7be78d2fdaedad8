#pragma once
// String preparation shared by every mechanism: SASLprep for passwords (RFC 4013, via libidn),
// nodeprep for usernames (via the JID library), and the authorization-identity rule.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace xmpp::auth {

enum class SaslprepMode {
  kQuery,   // a password typed at login: unassigned code points allowed (RFC 3454 §7)
  kStored,  // a password being stored (registration, change): unassigned code points refused
};

/// SASLprep (RFC 4013) of a UTF-8 string. nullopt when the input is not valid UTF-8, contains a
/// NUL, contains a prohibited code point or violates the bidi rules, or prepares to "".
std::optional<std::string> saslprep(std::string_view in, SaslprepMode mode = SaslprepMode::kQuery);

/// The username as stored: the JID localpart prepared with nodeprep (RFC 6122). nullopt when
/// it is empty or not a valid localpart.
std::optional<std::string> prepareUsername(std::string_view in);

/// Whether a client may use `authzid` while authenticated as `username` (already prepared):
/// empty; the same name (before or after preparation); or a bare JID whose localpart prepares to
/// `username` and whose domain is one of `domains` (any domain when `domains` is empty: the
/// gateway builds the session JID from the username and its own domain, never from authzid).
bool authzidAcceptable(std::string_view authzid, std::string_view username,
                       std::span<const std::string> domains);

}  // namespace xmpp::auth

#pragma once
// XEP-0078 Non-SASL Authentication (jabber:iq:auth), for old clients.
//
// <digest/> is hex(SHA1(stream id + password)): the server needs the password itself, so it works
// only for accounts stored with a plaintext copy, which the operator must opt into
// (AuthConfig::storePlaintext). <password/> is checked like SASL PLAIN.

#include <string>
#include <string_view>

namespace xmpp::auth {

/// Which fields the answer to `<iq type='get'><query xmlns='jabber:iq:auth'/>` lists.
struct LegacyFields {
  bool username = true;
  bool password = false;
  bool digest = false;
  bool resource = true;

  friend bool operator==(const LegacyFields&, const LegacyFields&) = default;
};

/// `plaintextStored`: the server keeps plaintext copies (digest possible). `passwordAllowed`:
/// sending the password in the clear is acceptable on this stream (TLS, or operator override).
/// The answer depends on configuration only, never on the account, so it reveals nothing about
/// whether the account exists.
LegacyFields legacyFields(bool plaintextStored, bool passwordAllowed);

/// hex(SHA1(streamId + password)), lowercase.
std::string legacyDigest(std::string_view streamId, std::string_view password);

/// Compares the client's digest (hex, either case) with the one computed from the stored
/// plaintext, in constant time.
bool verifyLegacyDigest(std::string_view streamId, std::string_view plaintext,
                        std::string_view clientDigest);

}  // namespace xmpp::auth

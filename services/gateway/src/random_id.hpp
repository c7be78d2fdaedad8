#pragma once
// Unpredictable identifiers (server-generated resources, stream ids) from OpenSSL's CSPRNG.

#include <cstddef>
#include <string>

namespace xmpp::gateway {

/// `bytes` random bytes as lowercase hex (2 * bytes characters).
std::string randomHex(size_t bytes);

}  // namespace xmpp::gateway

#pragma once
// RFC 4648 base64 for SASL payloads (RFC 6120 §6.4.2): strict decoding, so that a client's
// garbage maps to <incorrect-encoding/> instead of being guessed at.

#include <optional>
#include <string>
#include <string_view>

namespace xmpp::gateway {

/// Appends the padded base64 encoding of `bytes` to `out`.
void appendBase64(std::string& out, std::string_view bytes);
std::string base64Encode(std::string_view bytes);

/// Decodes padded base64 (length a multiple of 4, '=' only at the end, no whitespace).
/// Returns nullopt on any deviation.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace xmpp::gateway

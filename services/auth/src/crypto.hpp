#pragma once
// Thin, allocation-friendly wrappers over OpenSSL's primitives (EVP_Digest, HMAC,
// PKCS5_PBKDF2_HMAC, CRYPTO_memcmp, EVP base64). No primitive is implemented here.
// All byte strings are std::string holding raw bytes.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace xmpp::auth {

enum class HashAlg { kSha1, kSha256 };

std::size_t digestSize(HashAlg alg);  // 20 or 32

std::string hashBytes(HashAlg alg, std::string_view data);
std::string hmac(HashAlg alg, std::string_view key, std::string_view data);
/// PBKDF2 with HMAC-`alg`, output length digestSize(alg) (RFC 5802 Hi()).
std::string pbkdf2(HashAlg alg, std::string_view password, std::string_view salt, int iterations);

/// Constant-time for equal lengths (CRYPTO_memcmp); different lengths compare unequal at once
/// (lengths are not secret here).
bool constantTimeEqual(std::string_view a, std::string_view b);

/// Standard base64 with padding, no line breaks.
std::string base64Encode(std::string_view data);
/// Strict decoding: only the standard alphabet, length a multiple of 4, '=' only as final
/// padding. nullopt on anything else.
std::optional<std::string> base64Decode(std::string_view text);

std::string hexEncode(std::string_view data);  // lowercase

}  // namespace xmpp::auth

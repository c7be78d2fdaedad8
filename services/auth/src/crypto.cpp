#include "crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <stdexcept>

namespace xmpp::auth {
namespace {

const EVP_MD* md(HashAlg alg) { return alg == HashAlg::kSha1 ? EVP_sha1() : EVP_sha256(); }

const unsigned char* bytePtr(std::string_view s) {
  // OpenSSL rejects a null key/data pointer in some versions even for length 0.
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL failing on valid arguments means memory exhaustion or a broken provider: no request can
// be answered meaningfully, so this is treated like std::bad_alloc.
[[noreturn]] void opensslFailure(const char* what) { throw std::runtime_error(what); }

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::size_t digestSize(HashAlg alg) { return alg == HashAlg::kSha1 ? 20 : 32; }

std::string hashBytes(HashAlg alg, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (EVP_Digest(bytePtr(data), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 md(alg), nullptr) != 1) {
    opensslFailure("EVP_Digest failed");
  }
  out.resize(len);
  return out;
}

std::string hmac(HashAlg alg, std::string_view key, std::string_view data) {
  if (key.size() > INT_MAX) opensslFailure("HMAC key too long");
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (HMAC(md(alg), bytePtr(key), static_cast<int>(key.size()), bytePtr(data), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr) {
    opensslFailure("HMAC failed");
  }
  out.resize(len);
  return out;
}

std::string pbkdf2(HashAlg alg, std::string_view password, std::string_view salt, int iterations) {
  if (password.size() > INT_MAX || salt.size() > INT_MAX || iterations < 1) {
    opensslFailure("PBKDF2 arguments out of range");
  }
  std::string out(digestSize(alg), '\0');
  if (PKCS5_PBKDF2_HMAC(
          reinterpret_cast<const char*>(bytePtr(password)), static_cast<int>(password.size()),
          bytePtr(salt), static_cast<int>(salt.size()), iterations, md(alg),
          static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data())) != 1) {
    opensslFailure("PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64Encode(std::string_view data) {
  if (data.empty()) return {};
  if (data.size() > INT_MAX / 2) opensslFailure("base64 input too long");
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytePtr(data),
                                  static_cast<int>(data.size()));
  if (len < 0) opensslFailure("EVP_EncodeBlock failed");
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.empty()) return std::string{};
  if (text.size() % 4 != 0 || text.size() > INT_MAX / 2) return std::nullopt;
  std::size_t padding = 0;
  if (text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    if (!isBase64Char(text[i])) return std::nullopt;
  }
  // EVP_DecodeBlock accepts some things we don't (whitespace) and always emits a multiple of 3
  // bytes (padding decoded as zeros): the checks above and the trim below cover both.
  std::string out(text.size() / 4 * 3, '\0');
  const int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytePtr(text),
                                  static_cast<int>(text.size()));
  if (len < 0 || static_cast<std::size_t>(len) != out.size()) return std::nullopt;
  out.resize(out.size() - padding);
  // Reject non-canonical encodings (unused bits set), so one byte string has one encoding.
  if (base64Encode(out) != text) return std::nullopt;
  return out;
}

std::string hexEncode(std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (char ch : data) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0F]);
  }
  return out;
}

}  // namespace xmpp::auth

#include "token.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "crypto.hpp"

namespace xmpp::auth {
namespace {

constexpr unsigned char kVersion = 0x01;
constexpr std::size_t kIvSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kMacSize = 32;
// Nothing this service seals comes close; bounds the work done on hostile input.
constexpr std::size_t kMaxTokenSize = 64 * 1024;

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

unsigned char* u(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* u(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

TokenSealer::TokenSealer(std::string_view secret) : secret_(secret) {
  if (secret.size() != kTokenSecretSize) {
    throw std::invalid_argument("auth token secret must be exactly 32 bytes");
  }
  encKey_ = deriveKey("xmpp-auth/v1/token-encryption");
  macKey_ = deriveKey("xmpp-auth/v1/token-mac");
}

std::string TokenSealer::deriveKey(std::string_view label) const {
  return hmac(HashAlg::kSha256, secret_, label);
}

std::string TokenSealer::seal(std::string_view payload, Random& random) const {
  if (payload.size() > kMaxTokenSize) throw std::invalid_argument("token payload too large");
  std::string out;
  out.reserve(1 + kIvSize + payload.size() + kTagSize + kMacSize);
  out.push_back(static_cast<char>(kVersion));
  const std::string iv = random.bytes(kIvSize);
  out += iv;

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string ct(payload.size(), '\0');
  std::string tag(kTagSize, '\0');
  const unsigned char aad = kVersion;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(std::string_view(encKey_)),
                         u(std::string_view(iv))) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, &aad, 1) != 1 ||
      (!payload.empty() && EVP_EncryptUpdate(ctx.get(), u(ct), &len, u(payload),
                                             static_cast<int>(payload.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), u(ct) + ct.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          tag.data()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  out += ct;
  out += tag;
  out += hmac(HashAlg::kSha256, macKey_, out);
  return out;
}

std::optional<std::string> TokenSealer::open(std::string_view token) const {
  if (token.size() < 1 + kIvSize + kTagSize + kMacSize || token.size() > kMaxTokenSize) {
    return std::nullopt;
  }
  if (static_cast<unsigned char>(token[0]) != kVersion) return std::nullopt;
  const std::string_view signedPart = token.substr(0, token.size() - kMacSize);
  const std::string_view mac = token.substr(token.size() - kMacSize);
  if (!constantTimeEqual(hmac(HashAlg::kSha256, macKey_, signedPart), mac)) return std::nullopt;

  const std::string_view iv = token.substr(1, kIvSize);
  const std::string_view ct =
      signedPart.substr(1 + kIvSize, signedPart.size() - 1 - kIvSize - kTagSize);
  std::string tag(signedPart.substr(signedPart.size() - kTagSize));
  std::string payload(ct.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  const unsigned char aad = kVersion;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(std::string_view(encKey_)),
                         u(iv)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, &aad, 1) != 1 ||
      (!ct.empty() &&
       EVP_DecryptUpdate(ctx.get(), u(payload), &len, u(ct), static_cast<int>(ct.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                          tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), u(payload) + payload.size(), &len) != 1) {
    return std::nullopt;
  }
  return payload;
}

TokenWriter& TokenWriter::u8(std::uint8_t v) {
  data_.push_back(static_cast<char>(v));
  return *this;
}

TokenWriter& TokenWriter::i64(std::int64_t v) {
  const auto x = static_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) data_.push_back(static_cast<char>(x >> shift));
  return *this;
}

TokenWriter& TokenWriter::str(std::string_view v) {
  const auto n = static_cast<std::uint32_t>(v.size());
  for (int shift = 24; shift >= 0; shift -= 8) data_.push_back(static_cast<char>(n >> shift));
  data_.append(v);
  return *this;
}

std::optional<std::uint8_t> TokenReader::u8() {
  if (data_.size() - pos_ < 1) return std::nullopt;
  return static_cast<std::uint8_t>(data_[pos_++]);
}

std::optional<std::int64_t> TokenReader::i64() {
  if (data_.size() - pos_ < 8) return std::nullopt;
  std::uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x = (x << 8) | static_cast<unsigned char>(data_[pos_++]);
  return static_cast<std::int64_t>(x);
}

std::optional<std::string> TokenReader::str() {
  if (data_.size() - pos_ < 4) return std::nullopt;
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(data_[pos_++]);
  if (data_.size() - pos_ < n) return std::nullopt;
  std::string out(data_.substr(pos_, n));
  pos_ += n;
  return out;
}

std::int64_t toEpochMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace xmpp::auth

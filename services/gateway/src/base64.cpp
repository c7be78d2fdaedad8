#include "base64.hpp"

#include <array>
#include <cstdint>

namespace xmpp::gateway {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> makeReverse() {
  std::array<int8_t, 256> r{};
  for (auto& v : r) v = -1;
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    r[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return r;
}

constexpr std::array<int8_t, 256> kReverse = makeReverse();

}  // namespace

void appendBase64(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[v >> 18 & 0x3f];
    out += kAlphabet[v >> 12 & 0x3f];
    out += kAlphabet[v >> 6 & 0x3f];
    out += kAlphabet[v & 0x3f];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return;
  uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
  if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
  out += kAlphabet[v >> 18 & 0x3f];
  out += kAlphabet[v >> 12 & 0x3f];
  out += rest == 2 ? kAlphabet[v >> 6 & 0x3f] : '=';
  out += '=';
}

std::string base64Encode(std::string_view bytes) {
  std::string out;
  appendBase64(out, bytes);
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int8_t q[4];
    int padding = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++padding;
        q[k] = 0;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      q[k] = kReverse[static_cast<unsigned char>(c)];
      if (q[k] < 0) return std::nullopt;
    }
    const uint32_t v = static_cast<uint32_t>(q[0]) << 18 | static_cast<uint32_t>(q[1]) << 12 |
                       static_cast<uint32_t>(q[2]) << 6 | static_cast<uint32_t>(q[3]);
    out += static_cast<char>(v >> 16 & 0xff);
    if (padding < 2) out += static_cast<char>(v >> 8 & 0xff);
    if (padding < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

}  // namespace xmpp::gateway

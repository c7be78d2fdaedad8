#include "random_id.hpp"

#include <openssl/rand.h>

#include <random>
#include <vector>

namespace xmpp::gateway {

std::string randomHex(size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // The CSPRNG failing is next to impossible; fall back to the OS entropy source.
    std::random_device rd;
    for (auto& b : raw) b = static_cast<unsigned char>(rd());
  }
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

}  // namespace xmpp::gateway

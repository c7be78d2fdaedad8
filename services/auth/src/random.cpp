#include "random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

#include "crypto.hpp"

namespace xmpp::auth {

std::string Random::scramNonce() { return base64Encode(bytes(24)); }

std::string Random::bytes(std::size_t n) {
  std::string out(n, '\0');
  fill(std::span(reinterpret_cast<unsigned char*>(out.data()), out.size()));
  return out;
}

void OpenSslRandom::fill(std::span<unsigned char> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    done += chunk;
  }
}

}  // namespace xmpp::auth

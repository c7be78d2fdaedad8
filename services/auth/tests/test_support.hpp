#pragma once
// Shared helpers for the auth tests: deterministic randomness and a minimal SCRAM client.

#include <atomic>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "crypto.hpp"
#include "random.hpp"

namespace xmpp::auth::testing {

/// Deterministic Random: bytes count up from a seed; scramNonce() returns the injected nonce
/// when one is set.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(std::string nonce = {}, unsigned char seed = 1)
      : nonce_(std::move(nonce)), next_(seed) {}

  void fill(std::span<unsigned char> out) override {
    std::lock_guard lock(mutex_);
    for (auto& b : out) b = next_++;
  }
  std::string scramNonce() override {
    {
      std::lock_guard lock(mutex_);
      if (!nonce_.empty()) return nonce_;
    }
    return Random::scramNonce();
  }
  void setNonce(std::string nonce) {
    std::lock_guard lock(mutex_);
    nonce_ = std::move(nonce);
  }

 private:
  std::mutex mutex_;
  std::string nonce_;
  unsigned char next_;
};

inline std::string secretA() { return std::string(32, 'A'); }
inline std::string secretB() { return std::string(32, 'B'); }

inline std::string b64d(std::string_view s) {
  auto d = base64Decode(s);
  return d ? *d : std::string("<invalid base64>");
}

/// The client half of SCRAM (RFC 5802 §3), enough to drive the server in tests.
class ScramClient {
 public:
  ScramClient(HashAlg alg, std::string username, std::string preparedPassword,
              std::string clientNonce, std::string gs2Header = "n,,")
      : alg_(alg),
        username_(std::move(username)),
        password_(std::move(preparedPassword)),
        nonce_(std::move(clientNonce)),
        gs2_(std::move(gs2Header)) {}

  std::string bare() const { return "n=" + username_ + ",r=" + nonce_; }
  std::string clientFirst() const { return gs2_ + bare(); }

  /// The client-final message answering `serverFirst`; remembers the expected server-final.
  std::string clientFinal(std::string_view serverFirst) {
    std::string r, s;
    int i = 0;
    std::size_t pos = 0;
    while (pos <= serverFirst.size()) {
      std::size_t comma = serverFirst.find(',', pos);
      if (comma == std::string_view::npos) comma = serverFirst.size();
      const std::string_view f = serverFirst.substr(pos, comma - pos);
      if (f.starts_with("r=")) r = f.substr(2);
      if (f.starts_with("s=")) s = b64d(f.substr(2));
      if (f.starts_with("i=")) i = std::stoi(std::string(f.substr(2)));
      pos = comma + 1;
    }
    const std::string salted = pbkdf2(alg_, password_, s, i);
    const std::string clientKey = hmac(alg_, salted, "Client Key");
    const std::string storedKey = hashBytes(alg_, clientKey);
    const std::string withoutProof = "c=" + base64Encode(gs2_) + ",r=" + r;
    const std::string authMessage = bare() + "," + std::string(serverFirst) + "," + withoutProof;
    const std::string signature = hmac(alg_, storedKey, authMessage);
    std::string proof(clientKey.size(), '\0');
    for (std::size_t k = 0; k < proof.size(); ++k) {
      proof[k] = static_cast<char>(clientKey[k] ^ signature[k]);
    }
    expectedServerFinal_ =
        "v=" + base64Encode(hmac(alg_, hmac(alg_, salted, "Server Key"), authMessage));
    return withoutProof + ",p=" + base64Encode(proof);
  }

  const std::string& expectedServerFinal() const { return expectedServerFinal_; }

 private:
  HashAlg alg_;
  std::string username_;
  std::string password_;
  std::string nonce_;
  std::string gs2_;
  std::string expectedServerFinal_;
};

}  // namespace xmpp::auth::testing

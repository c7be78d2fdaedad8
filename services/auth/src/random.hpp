#pragma once
// Injected randomness, so tests can replay the RFC 5802 / RFC 7677 exchanges byte for byte.
// Production uses OpenSslRandom (RAND_bytes). Implementations must be thread-safe: one instance
// serves every request of an AuthLogic.

#include <cstddef>
#include <span>
#include <string>

namespace xmpp::auth {

class Random {
 public:
  virtual ~Random() = default;

  /// Fills `out` with cryptographically secure random bytes.
  virtual void fill(std::span<unsigned char> out) = 0;

  /// The server's part of a SCRAM nonce: printable ASCII without ','. The default is the
  /// base64 form of 24 random bytes from fill(); tests override it to inject the RFC vectors.
  virtual std::string scramNonce();

  /// `n` random bytes from fill().
  std::string bytes(std::size_t n);
};

/// RAND_bytes from OpenSSL. A failing RAND_bytes (no entropy source) throws std::runtime_error:
/// it never happens on a healthy system and nothing sensible can continue without randomness.
class OpenSslRandom final : public Random {
 public:
  void fill(std::span<unsigned char> out) override;
};

}  // namespace xmpp::auth

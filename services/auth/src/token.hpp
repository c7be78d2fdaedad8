#pragma once
// Sealed continuation tokens: how a multi-step SASL exchange survives between two calls that may
// land on different auth replicas. The replicas share one 32-byte secret; the gateway carries the
// token as opaque bytes (a proto `bytes` field: it is binary, not UTF-8) and never looks inside.
//
// Wire format (version 1):
//   0x01 | iv (12) | AES-256-GCM ciphertext | GCM tag (16) | HMAC-SHA256 (32)
// The HMAC covers every byte before it (encrypt-then-MAC) and is checked first, in constant time;
// GCM then authenticates again with the version byte as associated data. Two independent keys are
// derived from the secret with HMAC-SHA256 and distinct labels, so the secret itself never keys a
// primitive directly. The payload is produced by TokenWriter and read back by TokenReader.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "random.hpp"

namespace xmpp::auth {

inline constexpr std::size_t kTokenSecretSize = 32;

/// First byte of every payload: which step the token continues.
enum class TokenKind : std::uint8_t {
  kScramFinal = 1,            // ScramServer: waiting for the client-final message
  kAwaitInitialResponse = 2,  // AuthLogic: mechanism chosen, initial response still to come
};

class TokenSealer {
 public:
  /// Throws std::invalid_argument unless `secret` is exactly kTokenSecretSize bytes (start-up
  /// configuration error).
  explicit TokenSealer(std::string_view secret);

  /// Encrypts and signs `payload`; the IV comes from `random`.
  std::string seal(std::string_view payload, Random& random) const;
  /// The payload, or nullopt when the token is malformed, was sealed with another secret or was
  /// modified in any way.
  std::optional<std::string> open(std::string_view token) const;

  /// A key for another purpose, derived from the shared secret under `label` (HMAC-SHA256).
  std::string deriveKey(std::string_view label) const;

 private:
  std::string secret_;
  std::string encKey_;
  std::string macKey_;
};

/// Appends length-prefixed fields (big-endian integers).
class TokenWriter {
 public:
  TokenWriter& u8(std::uint8_t v);
  TokenWriter& i64(std::int64_t v);
  TokenWriter& str(std::string_view v);  // u32 length + bytes
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

/// Reads what TokenWriter wrote; every read fails (nullopt) past the end, and `done()` tells
/// whether all input was consumed.
class TokenReader {
 public:
  explicit TokenReader(std::string_view data) : data_(data) {}
  std::optional<std::uint8_t> u8();
  std::optional<std::int64_t> i64();
  std::optional<std::string> str();
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

/// Token expiry as integer milliseconds since the epoch (what the payload stores).
std::int64_t toEpochMillis(std::chrono::system_clock::time_point t);

}  // namespace xmpp::auth

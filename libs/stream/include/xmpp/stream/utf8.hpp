#pragma once
// Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
// for input that arrives in arbitrary chunks.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xmpp::stream {

class Utf8Validator {
 public:
  static constexpr size_t kAllValid = static_cast<size_t>(-1);

  /// Validates the next chunk. Returns the offset in `data` of the first byte that makes
  /// the input invalid, or kAllValid. A sequence split across chunks is carried over.
  size_t feed(std::string_view data);

  /// True when no multi-byte sequence is pending.
  bool atBoundary() const { return need_ == 0; }
  void reset() { *this = Utf8Validator{}; }

 private:
  uint8_t need_ = 0;   // continuation bytes still expected
  uint8_t lo_ = 0x80;  // allowed range of the next continuation byte
  uint8_t hi_ = 0xBF;
};

}  // namespace xmpp::stream

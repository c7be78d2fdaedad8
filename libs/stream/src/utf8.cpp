#include "xmpp/stream/utf8.hpp"

#include <cstring>

namespace xmpp::stream {

size_t Utf8Validator::feed(std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t n = data.size();
  size_t i = 0;
  while (i < n) {
    if (need_ == 0) {
      // ASCII fast path, eight bytes at a time.
      while (i + 8 <= n) {
        uint64_t word;
        std::memcpy(&word, p + i, 8);
        if (word & 0x8080808080808080ULL) break;
        i += 8;
      }
      if (i >= n) break;
      uint8_t b = p[i];
      if (b < 0x80) {
        ++i;
        continue;
      }
      lo_ = 0x80;
      hi_ = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        need_ = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need_ = 2;
        if (b == 0xE0) lo_ = 0xA0;  // overlong
        if (b == 0xED) hi_ = 0x9F;  // surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        need_ = 3;
        if (b == 0xF0) lo_ = 0x90;  // overlong
        if (b == 0xF4) hi_ = 0x8F;  // > U+10FFFF
      } else {
        return i;  // C0, C1, F5..FF, or a stray continuation byte
      }
      ++i;
      continue;
    }
    uint8_t b = p[i];
    if (b < lo_ || b > hi_) {
      need_ = 0;
      return i;
    }
    lo_ = 0x80;
    hi_ = 0xBF;
    --need_;
    ++i;
  }
  return kAllValid;
}

}  // namespace xmpp::stream

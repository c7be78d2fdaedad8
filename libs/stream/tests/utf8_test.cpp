#include "xmpp/stream/utf8.hpp"

#include <gtest/gtest.h>

namespace xmpp::stream {
namespace {

size_t validateBytewise(std::string_view s) {
  Utf8Validator v;
  for (size_t i = 0; i < s.size(); ++i) {
    if (v.feed(s.substr(i, 1)) != Utf8Validator::kAllValid) return i;
  }
  return v.atBoundary() ? Utf8Validator::kAllValid : s.size();
}

TEST(Utf8, AcceptsValidText) {
  for (std::string_view s :
       {"", "plain ascii text longer than eight bytes", "用户1 新消息", "\xF0\x9F\x98\x80 emoji",
        "\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF"}) {
    Utf8Validator v;
    EXPECT_EQ(v.feed(s), Utf8Validator::kAllValid) << s;
    EXPECT_TRUE(v.atBoundary());
    EXPECT_EQ(validateBytewise(s), Utf8Validator::kAllValid) << s;
  }
}

TEST(Utf8, RejectsInvalidSequencesAtTheRightOffset) {
  struct Case {
    std::string_view input;
    size_t offset;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"ab\x80", 2},                                   // stray continuation
           {"ab\xC0\xAF", 2},                               // overlong 2-byte
           {"\xC1\xBF", 0},                                 // overlong 2-byte
           {"\xE0\x80\xAF", 1},                             // overlong 3-byte
           {"\xED\xA0\x80", 1},                             // surrogate
           {"\xF0\x80\x80\xAF", 1},                         // overlong 4-byte
           {"\xF4\x90\x80\x80", 1},                         // > U+10FFFF
           {"\xF5\x80\x80\x80", 0},                         // out of range lead
           {"\xFE\xFF\x00<", 0},                            // UTF-16 BOM
           {"12345678\xE4\xB8", Utf8Validator::kAllValid},  // incomplete only
           {"\xE4\xB8"
            "a",
            2},  // truncated then ASCII
       }) {
    Utf8Validator v;
    EXPECT_EQ(v.feed(c.input), c.offset) << testing::PrintToString(std::string(c.input));
  }
}

}  // namespace
}  // namespace xmpp::stream

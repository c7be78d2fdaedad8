#include "base64.hpp"

#include <gtest/gtest.h>

namespace xmpp::gateway {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode(std::string("\0hxw\0"
                                     "1",
                                     6)),
            "AGh4dwAx");
  EXPECT_EQ(base64Encode("\xff\xfe"), "//4=");
}

TEST(Base64, DecodesWhatItEncodes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n < all.size(); n += 7) {
    auto d = base64Decode(base64Encode(all.substr(0, n)));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, all.substr(0, n));
  }
  EXPECT_EQ(*base64Decode("AGh4dwAx"), std::string("\0hxw\0"
                                                   "1",
                                                   6));
}

TEST(Base64, RejectsMalformedInput) {
  for (const char* bad :
       {"A", "AB", "ABC", "AB=C", "A===", "====", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm9*", "Zm9v="}) {
    EXPECT_FALSE(base64Decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace xmpp::gateway

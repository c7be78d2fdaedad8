#include "token.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "test_support.hpp"

namespace xmpp::auth {
namespace {

using testing::FixedRandom;
using testing::secretA;
using testing::secretB;

TEST(TokenSealerTest, RoundTripsAndHidesThePayload) {
  FixedRandom random;
  TokenSealer sealer(secretA());
  const std::string payload = "username=alice;secret-ish";
  const std::string token = sealer.seal(payload, random);
  EXPECT_EQ(token.find("alice"), std::string::npos);
  EXPECT_EQ(sealer.open(token), payload);
  EXPECT_EQ(TokenSealer(secretA()).open(token), payload);
  EXPECT_EQ(sealer.open(sealer.seal("", random)), "");
}

TEST(TokenSealerTest, RejectsOtherSecretsAndAnyModification) {
  FixedRandom random;
  TokenSealer sealer(secretA());
  const std::string token = sealer.seal("payload", random);
  EXPECT_FALSE(TokenSealer(secretB()).open(token));
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (unsigned char bit : {0x01, 0x80}) {
      std::string bad = token;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      EXPECT_FALSE(sealer.open(bad)) << i;
    }
  }
  EXPECT_FALSE(sealer.open(""));
  EXPECT_FALSE(sealer.open(token.substr(0, token.size() - 1)));
  EXPECT_FALSE(sealer.open(token + '\0'));
  EXPECT_FALSE(sealer.open(std::string(100'000, 'x')));
}

TEST(TokenSealerTest, FreshIvPerToken) {
  FixedRandom random;
  TokenSealer sealer(secretA());
  EXPECT_NE(sealer.seal("same", random), sealer.seal("same", random));
}

TEST(TokenSealerTest, SecretMustBe32Bytes) {
  EXPECT_THROW(TokenSealer(std::string(31, 'x')), std::invalid_argument);
  EXPECT_THROW(TokenSealer(std::string(33, 'x')), std::invalid_argument);
  EXPECT_NO_THROW(TokenSealer(std::string(32, '\0')));
}

TEST(TokenSealerTest, DerivedKeysDependOnLabelAndSecret) {
  TokenSealer a(secretA());
  EXPECT_EQ(a.deriveKey("x").size(), 32u);
  EXPECT_NE(a.deriveKey("x"), a.deriveKey("y"));
  EXPECT_NE(a.deriveKey("x"), TokenSealer(secretB()).deriveKey("x"));
}

TEST(TokenCodecTest, WriterAndReaderAgree) {
  TokenWriter w;
  w.u8(7).i64(-5).i64(1'700'000'000'123).str("").str(std::string("a\0b", 3));
  TokenReader r(w.data());
  EXPECT_EQ(r.u8(), 7);
  EXPECT_EQ(r.i64(), -5);
  EXPECT_EQ(r.i64(), 1'700'000'000'123);
  EXPECT_EQ(r.str(), "");
  EXPECT_EQ(r.str(), std::string("a\0b", 3));
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.u8());
  EXPECT_FALSE(r.i64());
  EXPECT_FALSE(r.str());
}

TEST(TokenCodecTest, TruncatedInputFails) {
  TokenWriter w;
  w.str("hello");
  const std::string& d = w.data();
  for (std::size_t n = 0; n < d.size(); ++n) {
    TokenReader r(std::string_view(d).substr(0, n));
    EXPECT_FALSE(r.str()) << n;
  }
}

}  // namespace
}  // namespace xmpp::auth

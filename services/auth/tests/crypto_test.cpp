#include "crypto.hpp"

#include <gtest/gtest.h>

#include "prep.hpp"

namespace xmpp::auth {
namespace {

struct B64Case {
  std::string raw;
  std::string encoded;
};

class Base64RoundTrip : public ::testing::TestWithParam<B64Case> {};

TEST_P(Base64RoundTrip, EncodesAndDecodes) {  // RFC 4648 §10
  EXPECT_EQ(base64Encode(GetParam().raw), GetParam().encoded);
  EXPECT_EQ(base64Decode(GetParam().encoded), GetParam().raw);
}

INSTANTIATE_TEST_SUITE_P(Rfc4648, Base64RoundTrip,
                         ::testing::Values(B64Case{"", ""}, B64Case{"f", "Zg=="},
                                           B64Case{"fo", "Zm8="}, B64Case{"foo", "Zm9v"},
                                           B64Case{"foob", "Zm9vYg=="},
                                           B64Case{"fooba", "Zm9vYmE="},
                                           B64Case{"foobar", "Zm9vYmFy"},
                                           B64Case{std::string("\0\xff", 2), "AP8="}));

TEST(Base64Test, RejectsNonCanonicalOrInvalidInput) {
  for (const char* bad :
       {"Zg", "Zg=", "Z===", "====", "Zm9v\n", "Zm 9", "Zh==", "Zm9=Yg==", "Zm9-", "=Zm9"}) {
    EXPECT_FALSE(base64Decode(bad)) << bad;
  }
}

TEST(CryptoTest, KnownAnswers) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hexEncode(hmac(HashAlg::kSha256, "Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 6070: PBKDF2-HMAC-SHA1, 4096 iterations.
  EXPECT_EQ(hexEncode(pbkdf2(HashAlg::kSha1, "password", "salt", 4096)),
            "4b007901b765489abead49d926f721d065a429c1");
  EXPECT_EQ(hexEncode(hashBytes(HashAlg::kSha1, "abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(digestSize(HashAlg::kSha1), 20u);
  EXPECT_EQ(digestSize(HashAlg::kSha256), 32u);
}

TEST(CryptoTest, ConstantTimeEqual) {
  EXPECT_TRUE(constantTimeEqual("", ""));
  EXPECT_TRUE(constantTimeEqual("abc", "abc"));
  EXPECT_FALSE(constantTimeEqual("abc", "abd"));
  EXPECT_FALSE(constantTimeEqual("abc", "ab"));
}

// RFC 4013 §3 examples, plus a few more.
struct PrepCase {
  const char* input;
  const char* output;  // nullptr: refused
};

class SaslprepCases : public ::testing::TestWithParam<PrepCase> {};

TEST_P(SaslprepCases, Prepares) {
  auto r = saslprep(GetParam().input);
  if (GetParam().output == nullptr) {
    EXPECT_FALSE(r) << GetParam().input;
  } else {
    ASSERT_TRUE(r) << GetParam().input;
    EXPECT_EQ(*r, GetParam().output);
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc4013, SaslprepCases,
                         ::testing::Values(PrepCase{"I\xC2\xADX",
                                                    "IX"},  // soft hyphen mapped to nothing
                                           PrepCase{"user", "user"},        // no transformation
                                           PrepCase{"USER", "USER"},        // case preserved
                                           PrepCase{"\xC2\xAA", "a"},       // U+00AA -> 'a' (NFKC)
                                           PrepCase{"\xE2\x85\xA8", "IX"},  // U+2168 -> "IX" (NFKC)
                                           PrepCase{"a\xC2\xA0"
                                                    "b",
                                                    "a b"},  // non-ASCII space -> space
                                           PrepCase{"caf\xC3\xA9", "caf\xC3\xA9"},  // é stays
                                           PrepCase{"\x07", nullptr},  // prohibited character
                                           PrepCase{"\xD8\xA7"
                                                    "1",
                                                    nullptr},              // bidi violation
                                           PrepCase{"\xC3\x28", nullptr},  // invalid UTF-8
                                           PrepCase{"\xC2\xAD", nullptr},  // prepares to empty
                                           PrepCase{"", nullptr}));

TEST(SaslprepTest, StoredModeRefusesUnassignedCodePoints) {
  const char* unassigned = "a\xC8\xB7";  // U+0237 is unassigned in Unicode 3.2
  EXPECT_TRUE(saslprep(unassigned, SaslprepMode::kQuery));
  EXPECT_FALSE(saslprep(unassigned, SaslprepMode::kStored));
}

TEST(PrepareUsernameTest, UsesNodeprep) {
  EXPECT_EQ(prepareUsername("Alice"), "alice");
  EXPECT_EQ(prepareUsername("stra\xC3\x9F"
                            "e"),
            "strasse");
  EXPECT_FALSE(prepareUsername(""));
  EXPECT_FALSE(prepareUsername("a@b"));
  EXPECT_FALSE(prepareUsername("a/b"));
  EXPECT_FALSE(prepareUsername("a b"));
  EXPECT_FALSE(prepareUsername(std::string(1024, 'a')));
}

TEST(AuthzidTest, Rules) {
  const std::vector<std::string> none;
  const std::vector<std::string> domains{"example.com"};
  EXPECT_TRUE(authzidAcceptable("", "alice", none));
  EXPECT_TRUE(authzidAcceptable("alice", "alice", none));
  EXPECT_TRUE(authzidAcceptable("Alice", "alice", none));
  EXPECT_TRUE(authzidAcceptable("alice@anywhere.org", "alice", none));
  EXPECT_TRUE(authzidAcceptable("alice@example.com", "alice", domains));
  EXPECT_FALSE(authzidAcceptable("alice@other.com", "alice", domains));
  EXPECT_FALSE(authzidAcceptable("alice@example.com/res", "alice", domains));
  EXPECT_FALSE(authzidAcceptable("bob", "alice", none));
  EXPECT_FALSE(authzidAcceptable("bob@example.com", "alice", domains));
}

}  // namespace
}  // namespace xmpp::auth

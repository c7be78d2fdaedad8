#include "legacy.hpp"

#include <gtest/gtest.h>

namespace xmpp::auth {
namespace {

// From tests/data/transcripts/agsxmpp-legacy-auth.xml (a real agsXMPP client).
constexpr const char* kStreamId = "30e3b8c0";
constexpr const char* kDigest = "e66557d2b67256bf7e9b317a51b6101674a56b5e";

TEST(LegacyDigestTest, TranscriptVector) {
  EXPECT_EQ(legacyDigest(kStreamId, "test"), kDigest);
  EXPECT_TRUE(verifyLegacyDigest(kStreamId, "test", kDigest));
  EXPECT_TRUE(verifyLegacyDigest(kStreamId, "test", "E66557D2B67256BF7E9B317A51B6101674A56B5E"));
}

TEST(LegacyDigestTest, Mismatches) {
  EXPECT_FALSE(verifyLegacyDigest(kStreamId, "test2", kDigest));
  EXPECT_FALSE(verifyLegacyDigest("30e3b8c1", "test", kDigest));
  EXPECT_FALSE(verifyLegacyDigest(kStreamId, "test", ""));
  EXPECT_FALSE(verifyLegacyDigest(kStreamId, "test", std::string(kDigest) + "0"));
  EXPECT_FALSE(verifyLegacyDigest(kStreamId, "test", "test"));
}

TEST(LegacyFieldsTest, DependOnConfigurationOnly) {
  struct Case {
    bool plaintext;
    bool passwordAllowed;
    LegacyFields expected;
  };
  const Case cases[] = {
      {false, false, {true, false, false, true}},
      {false, true, {true, true, false, true}},
      {true, false, {true, false, true, true}},
      {true, true, {true, true, true, true}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(legacyFields(c.plaintext, c.passwordAllowed), c.expected)
        << c.plaintext << c.passwordAllowed;
  }
}

}  // namespace
}  // namespace xmpp::auth

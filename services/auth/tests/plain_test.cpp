#include "plain.hpp"

#include <gtest/gtest.h>

#include "scram.hpp"
#include "xmpp/storage/in_memory_account_store.hpp"

namespace xmpp::auth {
namespace {

using namespace std::string_literals;

struct ParseCase {
  std::string input;
  bool ok;
  std::string authzid, authcid, password;
};

class PlainParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(PlainParse, Parses) {
  const ParseCase& c = GetParam();
  auto r = parsePlain(c.input);
  ASSERT_EQ(r.has_value(), c.ok);
  if (!c.ok) {
    EXPECT_EQ(r.error(), PlainError::kMalformed);
    return;
  }
  EXPECT_EQ(r->authzid, c.authzid);
  EXPECT_EQ(r->authcid, c.authcid);
  EXPECT_EQ(r->password, c.password);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PlainParse,
    ::testing::Values(ParseCase{"\0hxw\0"
                                "1"s,
                                true, "", "hxw", "1"},  // spark-login.xml
                      ParseCase{"a\0b\0c"s, true, "a", "b", "c"},
                      ParseCase{"\0user\0pass word"s, true, "", "user", "pass word"},
                      ParseCase{""s, false, "", "", ""}, ParseCase{"user"s, false, "", "", ""},
                      ParseCase{"\0user"s, false, "", "", ""},
                      ParseCase{"\0user\0"s, false, "", "", ""},
                      ParseCase{"\0\0pw"s, false, "", "", ""},
                      ParseCase{"\0user\0pw\0"s, false, "", "", ""},
                      ParseCase{"\0user\0" + std::string(4000, 'x'), false, "", "", ""}));

storage::Account makeAccount(std::string name, std::string_view preparedPassword) {
  storage::Account a;
  a.username = std::move(name);
  a.sha1 = makeScramCredential(ScramMechanism::kSha1, preparedPassword, "0123456789abcdef", 4096);
  a.sha256 =
      makeScramCredential(ScramMechanism::kSha256, preparedPassword, "fedcba9876543210", 4096);
  return a;
}

TEST(CheckPasswordTest, RightWrongUnknownUnavailable) {
  storage::InMemoryAccountStore store;
  ASSERT_TRUE(store.create(makeAccount("alice", "secret")));
  EXPECT_TRUE(checkPassword(store, "alice", "secret"));
  auto wrong = checkPassword(store, "alice", "Secret");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), PlainError::kNotAuthorized);
  auto unknown = checkPassword(store, "nobody", "secret");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), PlainError::kNotAuthorized);
  store.setUnavailable(true);
  auto down = checkPassword(store, "alice", "secret");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error(), PlainError::kTemporaryFailure);
}

TEST(CheckPasswordTest, FallsBackToSha1VerifierAndRejectsEmptyOnes) {
  storage::InMemoryAccountStore store;
  storage::Account onlySha1 = makeAccount("old", "secret");
  onlySha1.sha256 = {};
  ASSERT_TRUE(store.create(onlySha1));
  EXPECT_TRUE(checkPassword(store, "old", "secret"));
  EXPECT_FALSE(checkPassword(store, "old", "wrong"));
  storage::Account none = makeAccount("none", "secret");
  none.sha1 = {};
  none.sha256 = {};
  ASSERT_TRUE(store.create(none));
  EXPECT_FALSE(checkPassword(store, "none", "secret"));
}

TEST(CheckPasswordTest, PasswordIsSaslprepped) {
  storage::InMemoryAccountStore store;
  ASSERT_TRUE(store.create(makeAccount("alice", "IX")));
  EXPECT_TRUE(checkPassword(store, "alice", "I\xC2\xADX"));    // soft hyphen vanishes
  EXPECT_TRUE(checkPassword(store, "alice", "\xE2\x85\xA8"));  // U+2168 ROMAN NUMERAL NINE
  EXPECT_FALSE(checkPassword(store, "alice", "ix"));
  EXPECT_FALSE(checkPassword(store, "alice", "IX\x07"));  // prohibited: never matches
}

}  // namespace
}  // namespace xmpp::auth

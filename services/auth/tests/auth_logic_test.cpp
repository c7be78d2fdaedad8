#include "auth_logic.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "crypto.hpp"
#include "test_support.hpp"
#include "xmpp/storage/in_memory_account_store.hpp"

namespace xmpp::auth {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using storage::InMemoryAccountStore;
using testing::FixedRandom;
using testing::ScramClient;
using testing::secretA;
using testing::secretB;

const SessionInfo kTls{"192.0.2.10", true};
const SessionInfo kPlainText{"192.0.2.10", false};

AuthConfig config(std::string secret = secretA()) {
  AuthConfig c;
  c.tokenSecret = std::move(secret);
  return c;
}

std::string plainMessage(std::string_view user, std::string_view password,
                         std::string_view authzid = "") {
  return std::string(authzid) + '\0' + std::string(user) + '\0' + std::string(password);
}

class AuthLogicTest : public ::testing::Test {
 protected:
  AuthLogicTest() : logic_(store_, clock_, config(), random_) {
    EXPECT_TRUE(logic_.registerAccount("alice", "correct horse"));
  }

  // A whole SCRAM exchange; `second` (if given) handles the client-final step.
  AuthResult scram(AuthLogic& first, std::string_view mechanism, std::string user,
                   std::string password, AuthLogic* second = nullptr,
                   const SessionInfo& session = kTls) {
    ScramClient client(mechanism == "SCRAM-SHA-1" ? HashAlg::kSha1 : HashAlg::kSha256,
                       std::move(user), std::move(password), "clientnonce");
    AuthResult c = first.saslStart(mechanism, client.clientFirst(), session);
    if (c.outcome != AuthOutcome::kChallenge) return c;
    AuthResult r = (second ? *second : first)
                       .saslContinue(c.continuation, client.clientFinal(c.data), session);
    if (r.outcome == AuthOutcome::kSuccess) {
      EXPECT_EQ(r.data, client.expectedServerFinal());
    }
    return r;
  }

  static void expectFailure(const AuthResult& r, std::string_view cond) {
    EXPECT_EQ(r.outcome, AuthOutcome::kFailure);
    EXPECT_EQ(r.condition, cond);
    EXPECT_TRUE(r.username.empty());
    EXPECT_TRUE(r.continuation.empty());
  }

  static void expectSuccess(const AuthResult& r, std::string_view user) {
    EXPECT_EQ(r.outcome, AuthOutcome::kSuccess) << r.condition;
    EXPECT_EQ(r.username, user);
    EXPECT_TRUE(r.condition.empty());
  }

  InMemoryAccountStore store_;
  ManualClock clock_;
  FixedRandom random_;
  AuthLogic logic_;
};

TEST_F(AuthLogicTest, ConfigurationIsValidated) {
  AuthConfig bad = config(std::string(16, 'x'));
  EXPECT_THROW(AuthLogic(store_, clock_, bad), std::invalid_argument);
  AuthConfig weak = config();
  weak.scramIterations = 1000;
  EXPECT_THROW(AuthLogic(store_, clock_, weak), std::invalid_argument);
  AuthConfig noLifetime = config();
  noLifetime.tokenLifetime = 0s;
  EXPECT_THROW(AuthLogic(store_, clock_, noLifetime), std::invalid_argument);
  EXPECT_NO_THROW(AuthLogic(store_, clock_, config()));
}

TEST_F(AuthLogicTest, MechanismsDependOnTls) {
  using V = std::vector<std::string>;
  EXPECT_EQ(logic_.mechanisms(true), (V{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}));
  EXPECT_EQ(logic_.mechanisms(false), (V{"SCRAM-SHA-256", "SCRAM-SHA-1"}));
  AuthConfig c = config();
  c.allowPlainWithoutTls = true;
  AuthLogic lax(store_, clock_, c, random_);
  EXPECT_EQ(lax.mechanisms(false), (V{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}));
}

TEST_F(AuthLogicTest, ScramExchangeSucceedsForBothMechanisms) {
  for (const char* mech : {"SCRAM-SHA-256", "SCRAM-SHA-1"}) {
    AuthResult r = scram(logic_, mech, "alice", "correct horse");
    expectSuccess(r, "alice");
    EXPECT_TRUE(r.data.starts_with("v="));
  }
  // SCRAM needs no TLS.
  expectSuccess(scram(logic_, "SCRAM-SHA-256", "alice", "correct horse", nullptr, kPlainText),
                "alice");
}

TEST_F(AuthLogicTest, ScramWithoutInitialResponse) {
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n0");
  AuthResult empty = logic_.saslStart("SCRAM-SHA-256", "", kTls);
  ASSERT_EQ(empty.outcome, AuthOutcome::kChallenge);
  EXPECT_TRUE(empty.data.empty());
  AuthResult first = logic_.saslContinue(empty.continuation, client.clientFirst(), kTls);
  ASSERT_EQ(first.outcome, AuthOutcome::kChallenge);
  EXPECT_TRUE(first.data.starts_with("r=n0"));
  AuthResult done = logic_.saslContinue(first.continuation, client.clientFinal(first.data), kTls);
  expectSuccess(done, "alice");
  expectFailure(logic_.saslContinue(empty.continuation, "", kTls), condition::kMalformedRequest);
}

TEST_F(AuthLogicTest, PlainSucceedsOverTls) {
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), kTls), "alice");
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("ALICE", "correct horse"), kTls), "alice");
  AuthResult empty = logic_.saslStart("PLAIN", "", kTls);
  ASSERT_EQ(empty.outcome, AuthOutcome::kChallenge);
  expectSuccess(
      logic_.saslContinue(empty.continuation, plainMessage("alice", "correct horse"), kTls),
      "alice");
}

TEST_F(AuthLogicTest, PlainRefusedWithoutTlsUnlessAllowed) {
  expectFailure(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), kPlainText),
                condition::kEncryptionRequired);
  expectFailure(logic_.saslStart("PLAIN", "", kPlainText), condition::kEncryptionRequired);
  // A continuation obtained over TLS does not let the password travel in the clear.
  AuthResult empty = logic_.saslStart("PLAIN", "", kTls);
  expectFailure(
      logic_.saslContinue(empty.continuation, plainMessage("alice", "correct horse"), kPlainText),
      condition::kEncryptionRequired);

  AuthConfig c = config();
  c.allowPlainWithoutTls = true;
  AuthLogic lax(store_, clock_, c, random_);
  expectSuccess(lax.saslStart("PLAIN", plainMessage("alice", "correct horse"), kPlainText),
                "alice");
}

TEST_F(AuthLogicTest, WrongPasswordForEachMechanism) {
  expectFailure(scram(logic_, "SCRAM-SHA-256", "alice", "wrong"), condition::kNotAuthorized);
  expectFailure(scram(logic_, "SCRAM-SHA-1", "alice", "wrong"), condition::kNotAuthorized);
  expectFailure(logic_.saslStart("PLAIN", plainMessage("alice", "wrong"), kTls),
                condition::kNotAuthorized);
  expectFailure(logic_.legacyAuth("alice", {LegacyCredential::Kind::kPassword, "wrong"}, "id",
                                  {"192.0.2.99", true}),
                condition::kNotAuthorized);
}

TEST_F(AuthLogicTest, UnknownUserFailsLikeAWrongPassword) {
  expectFailure(scram(logic_, "SCRAM-SHA-256", "nobody", "x"), condition::kNotAuthorized);
  expectFailure(logic_.saslStart("PLAIN", plainMessage("nobody", "x"), kTls),
                condition::kNotAuthorized);
}

TEST_F(AuthLogicTest, InvalidMechanismsAndMalformedRequests) {
  for (const char* m : {"DIGEST-MD5", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS", "plain", "",
                        "X-OAUTH2", "ANONYMOUS", "EXTERNAL"}) {
    expectFailure(logic_.saslStart(m, "x", kTls), condition::kInvalidMechanism);
  }
  expectFailure(logic_.saslStart("PLAIN", "no-nul-bytes", kTls), condition::kMalformedRequest);
  expectFailure(logic_.saslStart("SCRAM-SHA-256", "garbage", kTls), condition::kMalformedRequest);
  expectFailure(logic_.saslStart("SCRAM-SHA-256", "p=tls-unique,,n=alice,r=x", kTls),
                condition::kMalformedRequest);
}

TEST_F(AuthLogicTest, Authzid) {
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse", "alice"), kTls),
                "alice");
  expectFailure(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse", "bob"), kTls),
                condition::kInvalidAuthzid);
  expectFailure(logic_.saslStart("SCRAM-SHA-256", "n,a=bob,n=alice,r=abc", kTls),
                condition::kInvalidAuthzid);

  AuthConfig c = config();
  c.domains = {"example.com"};
  AuthLogic scoped(store_, clock_, c, random_);
  expectSuccess(
      scoped.saslStart("PLAIN", plainMessage("alice", "correct horse", "alice@example.com"), kTls),
      "alice");
  expectFailure(
      scoped.saslStart("PLAIN", plainMessage("alice", "correct horse", "alice@evil.example"), kTls),
      condition::kInvalidAuthzid);
}

TEST_F(AuthLogicTest, ContinuationWorksOnAReplicaWithTheSameSecretOnly) {
  FixedRandom otherRandom("", 77);
  AuthLogic replica(store_, clock_, config(), otherRandom);
  AuthLogic stranger(store_, clock_, config(secretB()), otherRandom);
  expectSuccess(scram(logic_, "SCRAM-SHA-256", "alice", "correct horse", &replica), "alice");
  expectSuccess(scram(replica, "SCRAM-SHA-1", "alice", "correct horse", &logic_), "alice");
  expectFailure(scram(logic_, "SCRAM-SHA-256", "alice", "correct horse", &stranger),
                condition::kNotAuthorized);
  // Also for the "no initial response yet" continuation.
  AuthResult empty = logic_.saslStart("PLAIN", "", kTls);
  expectFailure(
      stranger.saslContinue(empty.continuation, plainMessage("alice", "correct horse"), kTls),
      condition::kNotAuthorized);
  expectSuccess(
      replica.saslContinue(empty.continuation, plainMessage("alice", "correct horse"), kTls),
      "alice");
}

TEST_F(AuthLogicTest, TamperedAndExpiredContinuations) {
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  AuthResult c = logic_.saslStart("SCRAM-SHA-256", client.clientFirst(), kTls);
  ASSERT_EQ(c.outcome, AuthOutcome::kChallenge);
  const std::string final = client.clientFinal(c.data);
  std::string tampered = c.continuation;
  tampered[tampered.size() / 2] ^= 0x20;
  expectFailure(logic_.saslContinue(tampered, final, kTls), condition::kNotAuthorized);
  expectFailure(logic_.saslContinue("", final, kTls), condition::kNotAuthorized);

  clock_.advance(61s);
  expectFailure(logic_.saslContinue(c.continuation, final, kTls), condition::kNotAuthorized);
  AuthResult empty = logic_.saslStart("PLAIN", "", kTls);
  clock_.advance(61s);
  expectFailure(
      logic_.saslContinue(empty.continuation, plainMessage("alice", "correct horse"), kTls),
      condition::kNotAuthorized);
}

TEST_F(AuthLogicTest, ContinuationOfOneUserCannotFinishAnothersLogin) {
  ASSERT_TRUE(logic_.registerAccount("bob", "battery staple"));
  ScramClient alice(HashAlg::kSha256, "alice", "correct horse", "na");
  ScramClient bob(HashAlg::kSha256, "bob", "battery staple", "nb");
  AuthResult a = logic_.saslStart("SCRAM-SHA-256", alice.clientFirst(), kTls);
  AuthResult b = logic_.saslStart("SCRAM-SHA-256", bob.clientFirst(), kTls);
  const std::string bobFinal = bob.clientFinal(b.data);
  expectFailure(logic_.saslContinue(a.continuation, bobFinal, kTls), condition::kNotAuthorized);
  expectSuccess(logic_.saslContinue(b.continuation, bobFinal, kTls), "bob");
}

TEST_F(AuthLogicTest, PasswordChangeDuringScramExchangeFails) {
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  AuthResult c = logic_.saslStart("SCRAM-SHA-256", client.clientFirst(), kTls);
  ASSERT_TRUE(logic_.changePassword("alice", "correct horse"));  // same password, new salt
  expectFailure(logic_.saslContinue(c.continuation, client.clientFinal(c.data), kTls),
                condition::kNotAuthorized);
}

TEST_F(AuthLogicTest, StoreOutageIsTemporary) {
  store_.setUnavailable(true);
  expectFailure(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), kTls),
                condition::kTemporaryAuthFailure);
  expectFailure(logic_.saslStart("SCRAM-SHA-256", "n,,n=alice,r=abc", kTls),
                condition::kTemporaryAuthFailure);
  expectFailure(logic_.legacyAuth("alice", {LegacyCredential::Kind::kPassword, "x"}, "id", kTls),
                condition::kTemporaryAuthFailure);
  EXPECT_EQ(logic_.registerAccount("bob", "pw").error(), AccountError::kUnavailable);
  EXPECT_EQ(logic_.userExists("alice").error(), AccountError::kUnavailable);
  // Outages do not count as failed logins.
  store_.setUnavailable(false);
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), kTls), "alice");
}

TEST_F(AuthLogicTest, OneInstanceServesManyThreads) {
  ASSERT_TRUE(logic_.registerAccount("bob", "battery staple"));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const SessionInfo s{"198.51.100." + std::to_string(t), true};
      for (int i = 0; i < 5; ++i) {
        const bool alice = (t + i) % 2 == 0;
        const std::string user = alice ? "alice" : "bob";
        const std::string pw = alice ? "correct horse" : "battery staple";
        ScramClient client(HashAlg::kSha256, user, pw, "n" + std::to_string(t * 100 + i));
        AuthResult c = logic_.saslStart("SCRAM-SHA-256", client.clientFirst(), s);
        AuthResult r = logic_.saslContinue(c.continuation, client.clientFinal(c.data), s);
        if (r.outcome == AuthOutcome::kSuccess && r.username == user) ++ok;
        r = logic_.saslStart("PLAIN", plainMessage(user, pw), s);
        if (r.outcome == AuthOutcome::kSuccess && r.username == user) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 40);
}

// ---- XEP-0078 -----------------------------------------------------------------------------------

TEST_F(AuthLogicTest, LegacyTranscriptDigest) {
  AuthConfig c = config();
  c.storePlaintext = true;
  AuthLogic legacy(store_, clock_, c, random_);
  ASSERT_TRUE(legacy.registerAccount("test", "test"));
  const LegacyCredential digest{LegacyCredential::Kind::kDigest,
                                "e66557d2b67256bf7e9b317a51b6101674a56b5e"};
  expectSuccess(legacy.legacyAuth("test", digest, "30e3b8c0", kPlainText), "test");
  expectFailure(legacy.legacyAuth("test", digest, "30e3b8c1", kPlainText),
                condition::kNotAuthorized);
  expectFailure(legacy.legacyAuth("test", {LegacyCredential::Kind::kDigest, std::string(40, '0')},
                                  "30e3b8c0", kPlainText),
                condition::kNotAuthorized);
  // Without the opt-in the same digest is refused (the field is not even offered).
  expectFailure(logic_.legacyAuth("test", digest, "30e3b8c0", kPlainText),
                condition::kNotAuthorized);
  // An account registered without plaintext cannot use digest even with the opt-in.
  expectFailure(
      legacy.legacyAuth(
          "alice", {LegacyCredential::Kind::kDigest, legacyDigest("30e3b8c0", "correct horse")},
          "30e3b8c0", kPlainText),
      condition::kNotAuthorized);
}

TEST_F(AuthLogicTest, LegacyPassword) {
  const LegacyCredential pw{LegacyCredential::Kind::kPassword, "correct horse"};
  expectSuccess(logic_.legacyAuth("alice", pw, "id", kTls), "alice");
  expectSuccess(logic_.legacyAuth("Alice", pw, "", kTls), "alice");
  expectFailure(logic_.legacyAuth("alice", pw, "id", kPlainText), condition::kEncryptionRequired);
  expectFailure(logic_.legacyAuth("", pw, "id", kTls), condition::kMalformedRequest);
  expectFailure(logic_.legacyAuth("alice", {LegacyCredential::Kind::kPassword, ""}, "id", kTls),
                condition::kMalformedRequest);
  expectFailure(logic_.legacyAuth("a@b", pw, "id", kTls), condition::kNotAuthorized);
}

TEST_F(AuthLogicTest, LegacyFieldsFollowConfiguration) {
  EXPECT_EQ(logic_.legacyFields(kTls), (LegacyFields{true, true, false, true}));
  EXPECT_EQ(logic_.legacyFields(kPlainText), (LegacyFields{true, false, false, true}));
  AuthConfig c = config();
  c.storePlaintext = true;
  AuthLogic legacy(store_, clock_, c, random_);
  EXPECT_EQ(legacy.legacyFields(kPlainText), (LegacyFields{true, false, true, true}));
  EXPECT_EQ(legacy.legacyFields(kTls), (LegacyFields{true, true, true, true}));
}

// ---- Throttling ---------------------------------------------------------------------------------

TEST_F(AuthLogicTest, AccountLockoutCoversEveryLoginPath) {
  // Each failure from a different address: only the account counter trips.
  for (int i = 0; i < 5; ++i) {
    const SessionInfo s{"203.0.113." + std::to_string(i), true};
    expectFailure(logic_.saslStart("PLAIN", plainMessage("alice", "guess"), s),
                  condition::kNotAuthorized);
  }
  const SessionInfo fresh{"198.51.100.1", true};
  AuthResult locked = logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), fresh);
  expectFailure(locked, condition::kTemporaryAuthFailure);
  EXPECT_EQ(locked.retryAfter, 300s);
  expectFailure(scram(logic_, "SCRAM-SHA-256", "alice", "correct horse", nullptr, fresh),
                condition::kTemporaryAuthFailure);
  expectFailure(
      logic_.legacyAuth("alice", {LegacyCredential::Kind::kPassword, "correct horse"}, "id", fresh),
      condition::kTemporaryAuthFailure);
  // Other accounts are fine.
  ASSERT_TRUE(logic_.registerAccount("bob", "pw"));
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("bob", "pw"), fresh), "bob");

  clock_.advance(300s);
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), fresh), "alice");
}

TEST_F(AuthLogicTest, ScramFailuresCountAndLockMidExchangeIsHonoured) {
  const SessionInfo s{"203.0.113.5", true};
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  AuthResult pending = logic_.saslStart("SCRAM-SHA-256", client.clientFirst(), s);
  ASSERT_EQ(pending.outcome, AuthOutcome::kChallenge);
  for (int i = 0; i < 5; ++i) {
    expectFailure(scram(logic_, "SCRAM-SHA-1", "alice", "guess", nullptr, s),
                  condition::kNotAuthorized);
  }
  // The account got locked between this exchange's start and finish.
  expectFailure(logic_.saslContinue(pending.continuation, client.clientFinal(pending.data), s),
                condition::kTemporaryAuthFailure);
}

TEST_F(AuthLogicTest, AddressLockoutAcrossAccounts) {
  const SessionInfo attacker{"203.0.113.66", true};
  for (int i = 0; i < 20; ++i) {
    expectFailure(
        logic_.saslStart("PLAIN", plainMessage("user" + std::to_string(i), "guess"), attacker),
        condition::kNotAuthorized);
  }
  AuthResult r = logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), attacker);
  expectFailure(r, condition::kTemporaryAuthFailure);
  ASSERT_TRUE(r.retryAfter);
  expectFailure(logic_.saslStart("SCRAM-SHA-256", "n,,n=alice,r=abc", attacker),
                condition::kTemporaryAuthFailure);
  // The same account from elsewhere still works.
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), kTls), "alice");
}

TEST_F(AuthLogicTest, SuccessResetsTheAccountCounter) {
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) {
      const SessionInfo s{"203.0.113." + std::to_string(round * 10 + i), true};
      expectFailure(logic_.saslStart("PLAIN", plainMessage("alice", "guess"), s),
                    condition::kNotAuthorized);
    }
    expectSuccess(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), kTls), "alice");
  }
}

// ---- Accounts -----------------------------------------------------------------------------------

TEST_F(AuthLogicTest, Registration) {
  auto r = logic_.registerAccount("Juliet", "romeo");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "juliet");
  EXPECT_EQ(logic_.registerAccount("JULIET", "x").error(), AccountError::kConflict);
  for (const char* bad : {"", "a@b", "a/b", "a b", "a:b", "a\"b"}) {
    EXPECT_EQ(logic_.registerAccount(bad, "pw").error(), AccountError::kInvalidUsername) << bad;
  }
  EXPECT_EQ(logic_.registerAccount("romeo", "").error(), AccountError::kInvalidPassword);
  EXPECT_EQ(logic_.registerAccount("romeo", "bell\x07").error(), AccountError::kInvalidPassword);
  EXPECT_EQ(logic_.registerAccount("romeo", "\xC3\x28").error(), AccountError::kInvalidPassword);

  auto stored = store_.get("juliet");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->sha1.salt.size(), kSaltSize);
  EXPECT_EQ(stored->sha256.salt.size(), kSaltSize);
  EXPECT_NE(stored->sha1.salt, stored->sha256.salt);
  EXPECT_EQ(stored->sha1.iterations, 4096);
  EXPECT_EQ(stored->sha1.storedKey.size(), 20u);
  EXPECT_EQ(stored->sha256.storedKey.size(), 32u);
  EXPECT_FALSE(stored->plaintext);  // never stored by default
  EXPECT_EQ(stored->created, clock_.now());
}

TEST_F(AuthLogicTest, PlaintextOnlyWithOptIn) {
  AuthConfig c = config();
  c.storePlaintext = true;
  c.scramIterations = 5000;
  AuthLogic legacy(store_, clock_, c, random_);
  ASSERT_TRUE(legacy.registerAccount("old", "pw"));
  EXPECT_EQ(store_.get("old")->plaintext, "pw");
  EXPECT_EQ(store_.get("old")->sha256.iterations, 5000);
  ASSERT_TRUE(legacy.changePassword("old", "pw2"));
  EXPECT_EQ(store_.get("old")->plaintext, "pw2");
  // Changing it without the opt-in removes the plaintext.
  ASSERT_TRUE(logic_.changePassword("old", "pw3"));
  EXPECT_FALSE(store_.get("old")->plaintext);
}

TEST_F(AuthLogicTest, ChangePassword) {
  ASSERT_TRUE(logic_.changePassword("ALICE", "new secret"));
  expectFailure(logic_.saslStart("PLAIN", plainMessage("alice", "correct horse"), kTls),
                condition::kNotAuthorized);
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("alice", "new secret"), kTls), "alice");
  expectSuccess(scram(logic_, "SCRAM-SHA-1", "alice", "new secret"), "alice");
  EXPECT_EQ(logic_.changePassword("nobody", "x").error(), AccountError::kNotFound);
  EXPECT_EQ(logic_.changePassword("alice", "").error(), AccountError::kInvalidPassword);
  EXPECT_EQ(logic_.changePassword("a@b", "x").error(), AccountError::kInvalidUsername);
}

TEST_F(AuthLogicTest, DeleteListExists) {
  ASSERT_TRUE(logic_.registerAccount("bob", "pw"));
  ASSERT_TRUE(logic_.registerAccount("carol", "pw"));
  using V = std::vector<std::string>;
  EXPECT_EQ(logic_.listUsers().value(), (V{"alice", "bob", "carol"}));
  EXPECT_EQ(logic_.listUsers({1, 1}).value(), (V{"bob"}));
  EXPECT_TRUE(logic_.userExists("Bob").value());
  EXPECT_FALSE(logic_.userExists("dave").value());
  EXPECT_FALSE(logic_.userExists("a@b").value());

  ASSERT_TRUE(logic_.deleteAccount("BOB"));
  EXPECT_FALSE(logic_.userExists("bob").value());
  EXPECT_EQ(logic_.deleteAccount("bob").error(), AccountError::kNotFound);
  expectFailure(logic_.saslStart("PLAIN", plainMessage("bob", "pw"), kTls),
                condition::kNotAuthorized);
  EXPECT_EQ(logic_.listUsers().value(), (V{"alice", "carol"}));
}

TEST_F(AuthLogicTest, NonAsciiPasswordIsSaslprepped) {
  // U+00AD SOFT HYPHEN maps to nothing; U+2168 ROMAN NUMERAL NINE normalizes to "IX".
  ASSERT_TRUE(logic_.registerAccount("rom", "I\xC2\xADX"));
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("rom", "IX"), kTls), "rom");
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("rom", "\xE2\x85\xA8"), kTls), "rom");
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("rom", "I\xC2\xADX"), kTls), "rom");
  // A SCRAM client SASLpreps on its side too.
  expectSuccess(scram(logic_, "SCRAM-SHA-256", "rom", "IX"), "rom");
  expectFailure(logic_.saslStart("PLAIN", plainMessage("rom", "ix"), kTls),
                condition::kNotAuthorized);

  ASSERT_TRUE(logic_.registerAccount("caf", "caf\xC3\xA9"));
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("caf", "caf\xC3\xA9"), kTls), "caf");
  // Decomposed form (e + U+0301) normalizes to the same NFKC string.
  expectSuccess(logic_.saslStart("PLAIN", plainMessage("caf", "cafe\xCC\x81"), kTls), "caf");
}

TEST_F(AuthLogicTest, ResultsNeverCarryThePassword) {
  const std::string pw = "correct horse";
  for (const AuthResult& r :
       {logic_.saslStart("PLAIN", plainMessage("alice", pw), kTls),
        logic_.saslStart("PLAIN", plainMessage("alice", pw + "x"), kTls),
        logic_.legacyAuth("alice", {LegacyCredential::Kind::kPassword, pw}, "id", kTls),
        scram(logic_, "SCRAM-SHA-256", "alice", pw)}) {
    EXPECT_EQ(r.data.find(pw), std::string::npos);
    EXPECT_EQ(r.continuation.find(pw), std::string::npos);
    EXPECT_EQ(r.condition.find(pw), std::string::npos);
  }
}

}  // namespace
}  // namespace xmpp::auth

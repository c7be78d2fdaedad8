#include "scram.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "crypto.hpp"
#include "test_support.hpp"
#include "xmpp/storage/in_memory_account_store.hpp"

namespace xmpp::auth {
namespace {

using namespace std::chrono_literals;
using storage::InMemoryAccountStore;
using testing::b64d;
using testing::FixedRandom;
using testing::ScramClient;
using testing::secretA;
using testing::secretB;

storage::Account accountWith(std::string username, std::string_view password,
                             int iterations = 4096) {
  storage::Account a;
  a.username = std::move(username);
  a.sha1 = makeScramCredential(ScramMechanism::kSha1, password, "salt-for-sha1---", iterations);
  a.sha256 = makeScramCredential(ScramMechanism::kSha256, password, "salt-for-sha256-", iterations);
  return a;
}

// ---- RFC test vectors -------------------------------------------------------------------------

struct RfcVector {
  const char* name;
  ScramMechanism mechanism;
  const char* saltB64;
  const char* clientFirst;
  const char* serverNonce;
  const char* serverFirst;
  const char* clientFinal;
  const char* serverFinal;
};

// RFC 7677 §3 as published. (A copy circulated with the proof
// "dHzbZapWIazNiwkKy5zW4NTDHuvz/t9DnNpAOERdMyo=" is corrupt: only its first 6 bytes are right,
// and it does not verify against the RFC's own server signature.)
const RfcVector kRfcVectors[] = {
    {"rfc5802_sha1", ScramMechanism::kSha1, "QSXCR+Q6sek8bf92",
     "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j",
     "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
     "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
     "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
    {"rfc7677_sha256", ScramMechanism::kSha256, "W22ZaJ0SNY7soEsUEjb6gQ==",
     "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
     "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
     "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
};

class ScramRfcVector : public ::testing::TestWithParam<RfcVector> {};

TEST_P(ScramRfcVector, ServerReproducesTheExchange) {
  const RfcVector& v = GetParam();
  InMemoryAccountStore store;
  storage::Account account;
  account.username = "user";
  const auto cred = makeScramCredential(v.mechanism, "pencil", b64d(v.saltB64), 4096);
  (v.mechanism == ScramMechanism::kSha1 ? account.sha1 : account.sha256) = cred;
  ASSERT_TRUE(store.create(account));

  FixedRandom random(v.serverNonce);
  ManualClock clock;
  ScramServer server(secretA(), random);
  auto started = server.start(v.mechanism, v.clientFirst, store, clock);
  ASSERT_TRUE(started) << toString(started.error().error);
  EXPECT_EQ(started->serverFirst, v.serverFirst);
  EXPECT_EQ(started->username, "user");

  auto finished = server.finish(started->token, v.clientFinal, store, clock);
  ASSERT_TRUE(finished) << toString(finished.error().error);
  EXPECT_EQ(finished->serverFinal, v.serverFinal);
  EXPECT_EQ(finished->username, "user");
}

TEST_P(ScramRfcVector, TestClientReproducesTheProof) {
  const RfcVector& v = GetParam();
  const HashAlg alg = v.mechanism == ScramMechanism::kSha1 ? HashAlg::kSha1 : HashAlg::kSha256;
  const std::string clientFirst = v.clientFirst;
  ScramClient client(alg, "user", "pencil", clientFirst.substr(clientFirst.find(",r=") + 3));
  EXPECT_EQ(client.clientFinal(v.serverFirst), v.clientFinal);
  EXPECT_EQ(client.expectedServerFinal(), v.serverFinal);
}

INSTANTIATE_TEST_SUITE_P(Rfc, ScramRfcVector, ::testing::ValuesIn(kRfcVectors),
                         [](const auto& p) { return std::string(p.param.name); });

// ---- Credentials -----------------------------------------------------------------------------

TEST(ScramCredentialTest, DeriveUsesFreshSaltAndMinimumIterations) {
  FixedRandom random;
  auto a = deriveScramCredential(ScramMechanism::kSha256, "pencil", random, 1000);
  auto b = deriveScramCredential(ScramMechanism::kSha256, "pencil", random);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->iterations, 4096);
  EXPECT_EQ(a->salt.size(), kSaltSize);
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->storedKey, b->storedKey);
  EXPECT_EQ(a->storedKey.size(), 32u);
  EXPECT_EQ(a->serverKey.size(), 32u);
  auto c = deriveScramCredential(ScramMechanism::kSha1, "pencil", random, 10000);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->iterations, 10000);
  EXPECT_EQ(c->storedKey.size(), 20u);
}

TEST(ScramCredentialTest, DeriveAppliesSaslprep) {
  FixedRandom random;
  auto prepped = deriveScramCredential(ScramMechanism::kSha256, "I\xC2\xADX", random);
  ASSERT_TRUE(prepped);
  EXPECT_EQ(*prepped, makeScramCredential(ScramMechanism::kSha256, "IX", prepped->salt, 4096));
  EXPECT_FALSE(deriveScramCredential(ScramMechanism::kSha256, "bell\x07", random));
  EXPECT_FALSE(deriveScramCredential(ScramMechanism::kSha256, "", random));
}

TEST(ScramMechanismTest, Names) {
  EXPECT_EQ(parseScramMechanism("SCRAM-SHA-1"), ScramMechanism::kSha1);
  EXPECT_EQ(parseScramMechanism("SCRAM-SHA-256"), ScramMechanism::kSha256);
  EXPECT_FALSE(parseScramMechanism("SCRAM-SHA-1-PLUS"));
  EXPECT_FALSE(parseScramMechanism("SCRAM-SHA-256-PLUS"));
  EXPECT_FALSE(parseScramMechanism("scram-sha-1"));
  EXPECT_EQ(mechanismName(ScramMechanism::kSha256), "SCRAM-SHA-256");
}

// ---- client-first parsing ---------------------------------------------------------------------

struct ClientFirstCase {
  std::string input;
  bool ok;
  ScramError error;  // when !ok
  const char* gs2;
  const char* authzid;
  const char* username;
  const char* nonce;
};

class ClientFirstParse : public ::testing::TestWithParam<ClientFirstCase> {};

TEST_P(ClientFirstParse, Parses) {
  const ClientFirstCase& c = GetParam();
  auto r = parseClientFirst(c.input);
  ASSERT_EQ(r.has_value(), c.ok) << c.input;
  if (!c.ok) {
    EXPECT_EQ(r.error(), c.error) << c.input;
    return;
  }
  EXPECT_EQ(r->gs2Header, c.gs2);
  EXPECT_EQ(r->authzid, c.authzid);
  EXPECT_EQ(r->username, c.username);
  EXPECT_EQ(r->clientNonce, c.nonce);
  EXPECT_EQ(r->gs2Header + r->bare, c.input);
}

constexpr ScramError kM = ScramError::kMalformed;
const ClientFirstCase kClientFirstCases[] = {
    {"n,,n=user,r=abc", true, kM, "n,,", "", "user", "abc"},
    {"y,,n=user,r=abc", true, kM, "y,,", "", "user", "abc"},
    {"n,a=juliet,n=user,r=abc", true, kM, "n,a=juliet,", "juliet", "user", "abc"},
    {"n,a=a=2Cb=3Dc,n=us=3Der=2C,r=abc", true, kM, "n,a=a=2Cb=3Dc,", "a,b=c", "us=er,", "abc"},
    {"n,,n=user,r=abc,x=ext", true, kM, "n,,", "", "user", "abc"},
    {"p=tls-unique,,n=user,r=abc", false, ScramError::kChannelBindingUnsupported, "", "", "", ""},
    {"", false, kM, "", "", "", ""},
    {"n", false, kM, "", "", "", ""},
    {"n,", false, kM, "", "", "", ""},
    {"n,,", false, kM, "", "", "", ""},
    {"q,,n=user,r=abc", false, kM, "", "", "", ""},
    {"n,x=y,n=user,r=abc", false, kM, "", "", "", ""},
    {"n,a=,n=user,r=abc", false, kM, "", "", "", ""},
    {"n,,m=ext,n=user,r=abc", false, kM, "", "", "", ""},
    {"n,,n=,r=abc", false, kM, "", "", "", ""},
    {"n,,n=user", false, kM, "", "", "", ""},
    {"n,,n=user,r=", false, kM, "", "", "", ""},
    {"n,,r=abc,n=user", false, kM, "", "", "", ""},
    {"n,,n=us=2Xer,r=abc", false, kM, "", "", "", ""},
    {"n,,n=user=,r=abc", false, kM, "", "", "", ""},
    {"n,,n=user,r=ab\x01", false, kM, "", "", "", ""},
    {"n,,n=user,r=abc,junk", false, kM, "", "", "", ""},
    {"n,,n=user,r=abc,x=" + std::string(9000, 'x'), false, kM, "", "", "", ""},
};

INSTANTIATE_TEST_SUITE_P(Cases, ClientFirstParse, ::testing::ValuesIn(kClientFirstCases));

// ---- server behaviour ---------------------------------------------------------------------

class ScramServerTest : public ::testing::Test {
 protected:
  ScramServerTest() : server_(secretA(), random_) {
    EXPECT_TRUE(store_.create(accountWith("alice", "correct horse")));
    EXPECT_TRUE(store_.create(accountWith("bob", "battery staple")));
  }

  // Runs start + finish for `user` with `password` (already prepared).
  Expected<ScramSuccess, ScramFailure> login(const ScramServer& server, ScramMechanism m,
                                             const std::string& user, const std::string& password,
                                             std::string gs2 = "n,,") {
    ScramClient client(alg(m), user, password, "clientnonce", std::move(gs2));
    auto started = server.start(m, client.clientFirst(), store_, clock_);
    if (!started) return unexpected(started.error());
    auto r =
        server.finish(started->token, client.clientFinal(started->serverFirst), store_, clock_);
    if (r) {
      EXPECT_EQ(r->serverFinal, client.expectedServerFinal());
    }
    return r;
  }

  static HashAlg alg(ScramMechanism m) {
    return m == ScramMechanism::kSha1 ? HashAlg::kSha1 : HashAlg::kSha256;
  }

  InMemoryAccountStore store_;
  ManualClock clock_;
  FixedRandom random_;
  ScramServer server_;
};

TEST_F(ScramServerTest, BothMechanismsSucceedWithTheRightPassword) {
  for (auto m : {ScramMechanism::kSha1, ScramMechanism::kSha256}) {
    auto r = login(server_, m, "alice", "correct horse");
    ASSERT_TRUE(r) << toString(r.error().error);
    EXPECT_EQ(r->username, "alice");
  }
}

TEST_F(ScramServerTest, WrongPasswordFailsForBothMechanisms) {
  for (auto m : {ScramMechanism::kSha1, ScramMechanism::kSha256}) {
    auto r = login(server_, m, "alice", "correct horse!");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().error, ScramError::kNotAuthorized);
    EXPECT_EQ(r.error().username, "alice");
  }
}

TEST_F(ScramServerTest, UsernameIsNodeprepped) {
  auto r = login(server_, ScramMechanism::kSha256, "ALICE", "correct horse");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->username, "alice");
}

TEST_F(ScramServerTest, AuthzidMustMatch) {
  EXPECT_TRUE(login(server_, ScramMechanism::kSha256, "alice", "correct horse", "n,a=alice,"));
  EXPECT_TRUE(
      login(server_, ScramMechanism::kSha256, "alice", "correct horse", "n,a=alice@example.com,"));
  auto r = login(server_, ScramMechanism::kSha256, "alice", "correct horse", "n,a=bob,");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kInvalidAuthzid);
}

TEST_F(ScramServerTest, YFlagWorksAndChannelBindingMustRepeatTheHeader) {
  EXPECT_TRUE(login(server_, ScramMechanism::kSha256, "alice", "correct horse", "y,,"));
  // Client says "y,," in client-first but "n,," in c= (a downgrade or a confused client).
  ScramClient liar(HashAlg::kSha256, "alice", "correct horse", "nonce", "n,,");
  auto started = server_.start(ScramMechanism::kSha256, "y,," + liar.bare(), store_, clock_);
  ASSERT_TRUE(started);
  auto r = server_.finish(started->token, liar.clientFinal(started->serverFirst), store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kNotAuthorized);
}

TEST_F(ScramServerTest, ChannelBindingRequestIsRefused) {
  auto r = server_.start(ScramMechanism::kSha256, "p=tls-exporter,,n=alice,r=x", store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kChannelBindingUnsupported);
}

TEST_F(ScramServerTest, UnknownUserGetsPlausibleDeterministicChallengeThenFails) {
  random_.setNonce("SERVERNONCE");
  auto a = server_.start(ScramMechanism::kSha256, "n,,n=mallory,r=abc", store_, clock_);
  auto b = server_.start(ScramMechanism::kSha256, "n,,n=mallory,r=abc", store_, clock_);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->serverFirst, b->serverFirst);
  ASSERT_TRUE(a->serverFirst.starts_with("r=abcSERVERNONCE,s="));
  EXPECT_TRUE(a->serverFirst.ends_with(",i=4096"));
  const std::string salt = a->serverFirst.substr(19, a->serverFirst.size() - 19 - 7);
  ASSERT_TRUE(base64Decode(salt));
  EXPECT_EQ(base64Decode(salt)->size(), kSaltSize);

  // Same salt from another replica with the same secret; different with another secret and for
  // another user or mechanism.
  ScramServer replica(secretA(), random_);
  ScramServer other(secretB(), random_);
  EXPECT_EQ(
      replica.start(ScramMechanism::kSha256, "n,,n=mallory,r=abc", store_, clock_)->serverFirst,
      a->serverFirst);
  EXPECT_NE(other.start(ScramMechanism::kSha256, "n,,n=mallory,r=abc", store_, clock_)->serverFirst,
            a->serverFirst);
  EXPECT_NE(server_.start(ScramMechanism::kSha256, "n,,n=trudy,r=abc", store_, clock_)->serverFirst,
            "r=abcSERVERNONCE,s=" + salt + ",i=4096");
  EXPECT_NE(server_.start(ScramMechanism::kSha1, "n,,n=mallory,r=abc", store_, clock_)->serverFirst,
            a->serverFirst);

  random_.setNonce({});
  auto r = login(server_, ScramMechanism::kSha256, "mallory", "anything");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kNotAuthorized);
}

TEST_F(ScramServerTest, InvalidUsernameIsRefusedAtStart) {
  auto r = server_.start(ScramMechanism::kSha256, "n,,n=a@b,r=abc", store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kNotAuthorized);
}

TEST_F(ScramServerTest, TokenFromAnotherReplicaWithTheSameSecretIsAccepted) {
  ScramServer replica(secretA(), random_);
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  auto started = server_.start(ScramMechanism::kSha256, client.clientFirst(), store_, clock_);
  ASSERT_TRUE(started);
  const std::string final = client.clientFinal(started->serverFirst);

  ScramServer stranger(secretB(), random_);
  auto refused = stranger.finish(started->token, final, store_, clock_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().error, ScramError::kBadToken);

  auto accepted = replica.finish(started->token, final, store_, clock_);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->serverFinal, client.expectedServerFinal());
}

TEST_F(ScramServerTest, TamperedTokensAreRejected) {
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  auto started = server_.start(ScramMechanism::kSha256, client.clientFirst(), store_, clock_);
  ASSERT_TRUE(started);
  const std::string final = client.clientFinal(started->serverFirst);
  const std::string& token = started->token;
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string bad = token;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto r = server_.finish(bad, final, store_, clock_);
    ASSERT_FALSE(r) << "flipped byte " << i;
    EXPECT_EQ(r.error().error, ScramError::kBadToken);
  }
  for (const std::string& bad : {std::string(), std::string("garbage"), token.substr(1),
                                 token.substr(0, token.size() - 1), token + "x"}) {
    auto r = server_.finish(bad, final, store_, clock_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().error, ScramError::kBadToken);
  }
  EXPECT_TRUE(server_.finish(token, final, store_, clock_));
}

TEST_F(ScramServerTest, ExpiredTokenIsRejected) {
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  auto started = server_.start(ScramMechanism::kSha256, client.clientFirst(), store_, clock_);
  ASSERT_TRUE(started);
  const std::string final = client.clientFinal(started->serverFirst);
  clock_.advance(60s);
  EXPECT_TRUE(server_.finish(started->token, final, store_, clock_));
  clock_.advance(1ms);
  auto r = server_.finish(started->token, final, store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kExpired);
}

TEST_F(ScramServerTest, TokenLifetimeIsConfigurable) {
  ScramServer quick(secretA(), random_, ScramServerOptions{5s, 4096, {}});
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  auto started = quick.start(ScramMechanism::kSha256, client.clientFirst(), store_, clock_);
  ASSERT_TRUE(started);
  clock_.advance(6s);
  auto r = quick.finish(started->token, client.clientFinal(started->serverFirst), store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kExpired);
}

TEST_F(ScramServerTest, TokenOfOneUserCannotCompleteAnotherUsersExchange) {
  ScramClient alice(HashAlg::kSha256, "alice", "correct horse", "na");
  ScramClient bob(HashAlg::kSha256, "bob", "battery staple", "nb");
  auto aliceStart = server_.start(ScramMechanism::kSha256, alice.clientFirst(), store_, clock_);
  auto bobStart = server_.start(ScramMechanism::kSha256, bob.clientFirst(), store_, clock_);
  ASSERT_TRUE(aliceStart && bobStart);
  const std::string bobFinal = bob.clientFinal(bobStart->serverFirst);
  auto r = server_.finish(aliceStart->token, bobFinal, store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kNotAuthorized);
  // Bob's final message rewritten to carry Alice's nonce: the proof no longer matches.
  const std::string aliceNonce =
      aliceStart->serverFirst.substr(2, aliceStart->serverFirst.find(',') - 2);
  std::string forged = "c=biws,r=" + aliceNonce + bobFinal.substr(bobFinal.find(",p="));
  r = server_.finish(aliceStart->token, forged, store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kNotAuthorized);
  EXPECT_TRUE(server_.finish(bobStart->token, bobFinal, store_, clock_));
}

TEST_F(ScramServerTest, PasswordChangeOrDeletionMidExchangeFails) {
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  auto started = server_.start(ScramMechanism::kSha256, client.clientFirst(), store_, clock_);
  ASSERT_TRUE(started);
  const std::string final = client.clientFinal(started->serverFirst);
  const storage::Account changed = accountWith("alice", "new password");
  ASSERT_TRUE(store_.updateCredentials("alice", changed.sha1, changed.sha256, std::nullopt));
  auto r = server_.finish(started->token, final, store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kCredentialsChanged);

  ScramClient bob(HashAlg::kSha1, "bob", "battery staple", "n2");
  auto bobStart = server_.start(ScramMechanism::kSha1, bob.clientFirst(), store_, clock_);
  ASSERT_TRUE(bobStart);
  ASSERT_TRUE(store_.remove("bob"));
  r = server_.finish(bobStart->token, bob.clientFinal(bobStart->serverFirst), store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kCredentialsChanged);
}

TEST_F(ScramServerTest, MalformedClientFinalMessages) {
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  auto started = server_.start(ScramMechanism::kSha256, client.clientFirst(), store_, clock_);
  ASSERT_TRUE(started);
  const std::string good = client.clientFinal(started->serverFirst);
  const std::string nonce = started->serverFirst.substr(2, started->serverFirst.find(',') - 2);
  const std::string proof = good.substr(good.find(",p=") + 3);
  struct Case {
    std::string message;
    ScramError error;
  };
  const Case cases[] = {
      {"", ScramError::kMalformed},
      {"c=biws,r=" + nonce, ScramError::kMalformed},
      {"r=" + nonce + ",c=biws,p=" + proof, ScramError::kMalformed},
      {"c=biws,p=" + proof, ScramError::kMalformed},
      {"c=bi!s,r=" + nonce + ",p=" + proof, ScramError::kMalformed},
      {"c=biws,r=" + nonce + ",p=not base64!", ScramError::kMalformed},
      {"c=biws,r=" + nonce + ",junk,p=" + proof, ScramError::kMalformed},
      {"c=biws,r=" + nonce + "x,p=" + proof, ScramError::kNotAuthorized},
      {"c=eSws,r=" + nonce + ",p=" + proof, ScramError::kNotAuthorized},
      {"c=biws,r=" + nonce + ",p=AAAA", ScramError::kNotAuthorized},
  };
  for (const Case& c : cases) {
    auto r = server_.finish(started->token, c.message, store_, clock_);
    ASSERT_FALSE(r) << c.message;
    EXPECT_EQ(r.error().error, c.error) << c.message;
  }
  // An extension before the proof is allowed, but it is part of AuthMessage: the proof computed
  // without it no longer matches.
  auto r = server_.finish(started->token, "c=biws,r=" + nonce + ",x=1,p=" + proof, store_, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kNotAuthorized);
  EXPECT_TRUE(server_.finish(started->token, good, store_, clock_));
}

TEST_F(ScramServerTest, StoreOutageIsATemporaryFailure) {
  ScramClient client(HashAlg::kSha256, "alice", "correct horse", "n1");
  auto started = server_.start(ScramMechanism::kSha256, client.clientFirst(), store_, clock_);
  ASSERT_TRUE(started);
  store_.setUnavailable(true);
  auto s = server_.start(ScramMechanism::kSha256, client.clientFirst(), store_, clock_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().error, ScramError::kTemporaryFailure);
  auto f = server_.finish(started->token, client.clientFinal(started->serverFirst), store_, clock_);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().error, ScramError::kTemporaryFailure);
}

TEST_F(ScramServerTest, AccountWithoutThisMechanismsVerifierLooksUnknown) {
  storage::Account onlySha256 = accountWith("carol", "pw");
  onlySha256.sha1 = {};
  ASSERT_TRUE(store_.create(onlySha256));
  EXPECT_TRUE(login(server_, ScramMechanism::kSha256, "carol", "pw"));
  auto r = login(server_, ScramMechanism::kSha1, "carol", "pw");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ScramError::kNotAuthorized);
}

TEST_F(ScramServerTest, NonDefaultIterationsAreAnnounced) {
  ASSERT_TRUE(store_.create(accountWith("dave", "pw", 5000)));
  auto started = server_.start(ScramMechanism::kSha256, "n,,n=dave,r=x", store_, clock_);
  ASSERT_TRUE(started);
  EXPECT_TRUE(started->serverFirst.ends_with(",i=5000"));
  EXPECT_TRUE(login(server_, ScramMechanism::kSha256, "dave", "pw"));
}

}  // namespace
}  // namespace xmpp::auth

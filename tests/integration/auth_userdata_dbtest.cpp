// The auth and userdata services as processes, on a real PostgreSQL (label: db): SASL across
// auth replicas, the legacy digest from a real transcript, wrong passwords and throttling,
// concurrent roster sets, account deletion leaving nothing behind, PostgreSQL stopped and
// restarted under the services, metrics and health endpoints.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>

#include "test_support.hpp"  // services/auth/tests: a SCRAM client
#include "xmpp/testing/service_process.hpp"
#include "xmpp/testing/test_postgres.hpp"
#include "xmpp/v1/auth.grpc.pb.h"
#include "xmpp/v1/roster.grpc.pb.h"

namespace xmpp {
namespace {

using testing::ServiceProcess;

class Cluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg_ = new testing::TestPostgres();
    const std::string db = "--db.url=" + pg_->connectionString();
    roster_ = new ServiceProcess(XMPP_USERDATA_BIN, {db, "--userdata.listen=127.0.0.1:0",
                                                     "--ops.port=0", "--roster.offline_quota=5"});
    roster_->start();
    for (auto*& a : auth_) {
      a = new ServiceProcess(
          XMPP_AUTH_BIN,
          {db, "--auth.listen=127.0.0.1:0", "--ops.port=0", "--auth.token_key=shared-by-replicas",
           "--auth.registration=true", "--auth.store_plaintext=true",
           "--auth.throttle.account_failures=3", "--userdata.address=" + roster_->grpcAddress(),
           "--xmpp.domain=localhost"});
      a->start();
    }
  }
  static void TearDownTestSuite() {
    for (auto*& a : auth_) delete std::exchange(a, nullptr);
    delete std::exchange(roster_, nullptr);
    delete std::exchange(pg_, nullptr);
  }

  static std::unique_ptr<v1::Auth::Stub> auth(int i) {
    return v1::Auth::NewStub(
        grpc::CreateChannel(auth_[i]->grpcAddress(), grpc::InsecureChannelCredentials()));
  }
  static std::unique_ptr<v1::Roster::Stub> roster() {
    return v1::Roster::NewStub(
        grpc::CreateChannel(roster_->grpcAddress(), grpc::InsecureChannelCredentials()));
  }
  static std::unique_ptr<grpc::ClientContext> ctx() {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
    return c;
  }
  static grpc::Status registerUser(const std::string& user, const std::string& password) {
    v1::RegisterRequest req;
    req.set_username(user);
    req.set_password(password);
    v1::AuthEmpty res;
    return auth(0)->Register(ctx().get(), req, &res);
  }
  static v1::ClientSession session(bool tls = true, const std::string& address = "192.0.2.1") {
    v1::ClientSession s;
    s.set_tls(tls);
    s.set_source_address(address);
    return s;
  }

  static testing::TestPostgres* pg_;
  static ServiceProcess* roster_;
  static ServiceProcess* auth_[2];
};
testing::TestPostgres* Cluster::pg_ = nullptr;
ServiceProcess* Cluster::roster_ = nullptr;
ServiceProcess* Cluster::auth_[2] = {nullptr, nullptr};

struct ScramCase {
  const char* mechanism;
  auth::HashAlg alg;
};

TEST_F(Cluster, ScramStartsOnOneReplicaAndFinishesOnTheOther) {
  ASSERT_TRUE(registerUser("alice", "pencil").ok());
  for (ScramCase c : {ScramCase{"SCRAM-SHA-256", auth::HashAlg::kSha256},
                      ScramCase{"SCRAM-SHA-1", auth::HashAlg::kSha1}}) {
    SCOPED_TRACE(c.mechanism);
    auth::testing::ScramClient client(c.alg, "alice", "pencil", "rOprNGfwEbeRWgbNEkqO");
    v1::SaslStartRequest start;
    start.set_mechanism(c.mechanism);
    start.set_initial_response(client.clientFirst());
    *start.mutable_session() = session();
    v1::SaslStep first;
    ASSERT_TRUE(auth(0)->SaslStart(ctx().get(), start, &first).ok());
    ASSERT_EQ(first.outcome(), v1::SaslStep::OUTCOME_CHALLENGE) << first.condition();

    v1::SaslContinueRequest next;
    next.set_continuation(first.continuation());
    next.set_response(client.clientFinal(first.data()));
    *next.mutable_session() = session();
    v1::SaslStep final;
    ASSERT_TRUE(auth(1)->SaslContinue(ctx().get(), next, &final).ok());
    EXPECT_EQ(final.outcome(), v1::SaslStep::OUTCOME_SUCCESS) << final.condition();
    EXPECT_EQ(final.data(), client.expectedServerFinal());
    EXPECT_EQ(final.username(), "alice");
  }
}

TEST_F(Cluster, WrongPasswordsAreRefusedForEveryMechanism) {
  ASSERT_TRUE(registerUser("bob", "right").ok());
  auth::testing::ScramClient client(auth::HashAlg::kSha256, "bob", "wrong", "nonce12345");
  v1::SaslStartRequest start;
  start.set_mechanism("SCRAM-SHA-256");
  start.set_initial_response(client.clientFirst());
  *start.mutable_session() = session(true, "192.0.2.10");
  v1::SaslStep first, final;
  ASSERT_TRUE(auth(0)->SaslStart(ctx().get(), start, &first).ok());
  v1::SaslContinueRequest next;
  next.set_continuation(first.continuation());
  next.set_response(client.clientFinal(first.data()));
  *next.mutable_session() = session(true, "192.0.2.10");
  ASSERT_TRUE(auth(0)->SaslContinue(ctx().get(), next, &final).ok());
  EXPECT_EQ(final.outcome(), v1::SaslStep::OUTCOME_FAILURE);
  EXPECT_EQ(final.condition(), "not-authorized");

  v1::SaslStartRequest plain;
  plain.set_mechanism("PLAIN");
  plain.set_initial_response(std::string("\0bob\0wrong", 10));
  *plain.mutable_session() = session(true, "192.0.2.11");
  v1::SaslStep r;
  ASSERT_TRUE(auth(1)->SaslStart(ctx().get(), plain, &r).ok());
  EXPECT_EQ(r.condition(), "not-authorized");

  plain.set_initial_response(std::string("\0bob\0right", 10));
  ASSERT_TRUE(auth(1)->SaslStart(ctx().get(), plain, &r).ok());
  EXPECT_EQ(r.outcome(), v1::SaslStep::OUTCOME_SUCCESS);

  // PLAIN only inside TLS.
  *plain.mutable_session() = session(false);
  ASSERT_TRUE(auth(1)->SaslStart(ctx().get(), plain, &r).ok());
  EXPECT_EQ(r.condition(), "encryption-required");
}

TEST_F(Cluster, RepeatedFailuresAreThrottled) {
  ASSERT_TRUE(registerUser("mallory", "secret").ok());
  v1::SaslStartRequest plain;
  plain.set_mechanism("PLAIN");
  *plain.mutable_session() = session(true, "198.51.100.7");
  v1::SaslStep r;
  for (int i = 0; i < 3; ++i) {
    plain.set_initial_response(std::string("\0mallory\0guess", 14));
    ASSERT_TRUE(auth(0)->SaslStart(ctx().get(), plain, &r).ok());
    EXPECT_EQ(r.condition(), "not-authorized");
  }
  // Locked out now, even with the right password.
  plain.set_initial_response(std::string("\0mallory\0secret", 15));
  ASSERT_TRUE(auth(0)->SaslStart(ctx().get(), plain, &r).ok());
  EXPECT_EQ(r.outcome(), v1::SaslStep::OUTCOME_FAILURE);
  EXPECT_EQ(r.condition(), "temporary-auth-failure");
  EXPECT_GT(r.retry_after_seconds(), 0u);
}

TEST_F(Cluster, LegacyDigestFromTheAgsXmppTranscript) {
  ASSERT_TRUE(registerUser("test", "test").ok());
  v1::LegacyAuthRequest req;
  req.set_username("test");
  req.set_digest("e66557d2b67256bf7e9b317a51b6101674a56b5e");
  *req.mutable_session() = session();
  req.mutable_session()->set_stream_id("30e3b8c0");
  v1::LegacyAuthResponse res;
  ASSERT_TRUE(auth(1)->LegacyAuth(ctx().get(), req, &res).ok());
  EXPECT_TRUE(res.ok()) << res.condition();
  EXPECT_EQ(res.username(), "test");

  req.mutable_session()->set_stream_id("another-stream");
  ASSERT_TRUE(auth(1)->LegacyAuth(ctx().get(), req, &res).ok());
  EXPECT_FALSE(res.ok());
  EXPECT_EQ(res.condition(), "not-authorized");
}

TEST_F(Cluster, TwoConcurrentRosterSetsOnOneItem) {
  std::atomic<int> failures{0};
  auto writer = [&](const std::string& name, const std::string& group) {
    auto stub = roster();
    for (int i = 0; i < 60; ++i) {
      v1::SetItemRequest req;
      req.set_user("romeo@localhost");
      req.mutable_item()->set_jid("juliet@localhost");
      req.mutable_item()->set_name(name + std::to_string(i % 2));
      req.mutable_item()->add_groups(group);
      v1::RosterEffects res;
      if (!stub->SetItem(ctx().get(), req, &res).ok()) ++failures;
    }
  };
  std::thread a(writer, "A", "group-a"), b(writer, "B", "group-b");
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  v1::GetRosterRequest get;
  get.set_user("romeo@localhost");
  v1::GetRosterResponse current;
  ASSERT_TRUE(roster()->GetRoster(ctx().get(), get, &current).ok());
  ASSERT_EQ(current.items_size(), 1);
  const auto& item = current.items(0);
  // One writer's whole item, never a mix of the two.
  ASSERT_EQ(item.groups_size(), 1);
  EXPECT_EQ(item.name()[0] == 'A' ? "group-a" : "group-b", item.groups(0));
}

TEST_F(Cluster, AccountDeletionLeavesNothingBehind) {
  ASSERT_TRUE(registerUser("carol", "pw").ok());
  auto r = roster();
  v1::SetItemRequest set;
  set.set_user("carol@localhost");
  set.mutable_item()->set_jid("dave@localhost");
  set.mutable_item()->add_groups("friends");
  v1::RosterEffects effects;
  ASSERT_TRUE(r->SetItem(ctx().get(), set, &effects).ok());
  v1::SubscriptionRequest sub;
  sub.set_user("carol@localhost");
  sub.set_contact("erin@localhost/phone");
  sub.set_direction(v1::SubscriptionRequest::DIRECTION_INBOUND);
  sub.set_type("subscribe");
  sub.mutable_stanza()->set_kind(v1::STANZA_KIND_PRESENCE);
  sub.mutable_stanza()->set_from("erin@localhost/phone");
  sub.mutable_stanza()->set_to("carol@localhost");
  sub.mutable_stanza()->set_type("subscribe");
  sub.mutable_stanza()->mutable_element()->set_name("presence");
  sub.mutable_stanza()->mutable_element()->set_ns("jabber:client");
  v1::SubscriptionResponse subRes;
  ASSERT_TRUE(r->ProcessSubscription(ctx().get(), sub, &subRes).ok());
  v1::StoreOfflineRequest off;
  off.set_user("carol@localhost");
  off.mutable_stanza()->set_kind(v1::STANZA_KIND_MESSAGE);
  off.mutable_stanza()->set_type("chat");
  off.mutable_stanza()->set_from("dave@localhost/x");
  off.mutable_stanza()->set_to("carol@localhost");
  off.mutable_stanza()->mutable_element()->set_name("message");
  off.mutable_stanza()->mutable_element()->set_ns("jabber:client");
  auto* body = off.mutable_stanza()->mutable_element()->add_children()->mutable_element();
  body->set_name("body");
  body->set_ns("jabber:client");
  body->add_children()->set_text("are you there?");
  v1::StoreOfflineResponse offRes;
  ASSERT_TRUE(r->StoreOffline(ctx().get(), off, &offRes).ok());
  EXPECT_EQ(offRes.status(), v1::StoreOfflineResponse::STATUS_STORED);
  v1::SetVcardRequest vc;
  vc.set_user("carol@localhost");
  vc.mutable_vcard()->set_name("vCard");
  vc.mutable_vcard()->set_ns("vcard-temp");
  v1::RosterEmpty empty;
  ASSERT_TRUE(r->SetVcard(ctx().get(), vc, &empty).ok());
  auto channel = grpc::CreateChannel(roster_->grpcAddress(), grpc::InsecureChannelCredentials());
  v1::PrivateSetRequest priv;
  priv.set_user("carol@localhost");
  priv.mutable_query()->set_name("query");
  priv.mutable_query()->set_ns("jabber:iq:private");
  auto* stored = priv.mutable_query()->add_children()->mutable_element();
  stored->set_name("storage");
  stored->set_ns("storage:bookmarks");
  ASSERT_TRUE(v1::PrivateStorage::NewStub(channel)->Set(ctx().get(), priv, &empty).ok());
  v1::BlockListChange block;
  block.set_user("carol@localhost");
  block.add_jids("spammer@example.org");
  v1::BlockListResponse blocked;
  ASSERT_TRUE(v1::BlockList::NewStub(channel)->Block(ctx().get(), block, &blocked).ok());
  v1::SetLastActivityRequest last;
  last.set_user("carol@localhost");
  last.set_status("bye");
  last.set_logout_unix_ms(1'700'000'000'000);
  ASSERT_TRUE(v1::LastActivity::NewStub(channel)->Set(ctx().get(), last, &empty).ok());

  // Everything of carol's, in every table the services own (the tombstone aside: it keeps
  // her name reserved, by design).
  std::string where;  // which tables still hold carol's rows, for the failure message
  auto rowsOfCarol = [&] {
    pqxx::connection c(pg_->connectionString());
    pqxx::read_transaction tx(c);
    long total = 0;
    where.clear();
    auto tables = tx.exec(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND "
        "column_name = 'username' AND table_name <> 'auth_tombstones'");
    EXPECT_GE(tables.size(), 4u);
    for (const auto& t : tables) {
      const long n = tx.exec1("SELECT count(*) FROM " + tx.quote_name(t[0].as<std::string>()) +
                              " WHERE username IN ('carol', 'carol@localhost')")[0]
                         .as<long>();
      if (n > 0) where += t[0].as<std::string>() + "=" + std::to_string(n) + " ";
      total += n;
    }
    return total;
  };
  // account, roster item(s), offline message, vCard, private storage, block list, last activity
  EXPECT_GE(rowsOfCarol(), 7);

  v1::DeleteAccountRequest del;
  del.set_username("carol");
  v1::AuthEmpty res;
  ASSERT_TRUE(auth(1)->DeleteAccount(ctx().get(), del, &res).ok());
  EXPECT_EQ(rowsOfCarol(), 0) << where;
  // Her name is reserved: in-band registration refuses it, an administrator may still.
  EXPECT_EQ(registerUser("carol", "pw2").error_code(), grpc::ALREADY_EXISTS);

  v1::UserExistsRequest ex;
  ex.set_username("carol");
  v1::UserExistsResponse exRes;
  ASSERT_TRUE(auth(0)->UserExists(ctx().get(), ex, &exRes).ok());
  EXPECT_FALSE(exRes.exists());
  EXPECT_EQ(auth(0)->DeleteAccount(ctx().get(), del, &res).error_code(), grpc::NOT_FOUND);
}

TEST_F(Cluster, PostgresStoppedAndRestartedUnderTheServices) {
  ASSERT_TRUE(registerUser("persistent", "pw").ok());
  v1::UserExistsRequest ex;
  ex.set_username("persistent");
  v1::UserExistsResponse exRes;
  v1::GetRosterRequest get;
  get.set_user("persistent@localhost");
  v1::GetRosterResponse rosterRes;

  pg_->stop();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(auth(0)->UserExists(ctx().get(), ex, &exRes).error_code(), grpc::UNAVAILABLE);
  EXPECT_EQ(roster()->GetRoster(ctx().get(), get, &rosterRes).error_code(), grpc::UNAVAILABLE);
  // Fast, not a hang until the client's 15 s deadline.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(testing::httpGet(auth_[0]->opsPort(), "/readyz").first, 503);
  EXPECT_EQ(testing::httpGet(roster_->opsPort(), "/readyz").first, 503);
  EXPECT_EQ(testing::httpGet(auth_[0]->opsPort(), "/healthz").first, 200);

  pg_->start();
  EXPECT_TRUE(testing::eventually([&] {
    exRes.Clear();
    return auth(0)->UserExists(ctx().get(), ex, &exRes).ok();
  }));
  EXPECT_TRUE(exRes.exists());  // committed before the stop, still there
  EXPECT_TRUE(
      testing::eventually([&] { return roster()->GetRoster(ctx().get(), get, &rosterRes).ok(); }));
  EXPECT_TRUE(testing::eventually(
      [&] { return testing::httpGet(auth_[1]->opsPort(), "/readyz").first == 200; }));
  EXPECT_TRUE(testing::eventually(
      [&] { return testing::httpGet(roster_->opsPort(), "/readyz").first == 200; }));

  auto [code, metrics] = testing::httpGet(auth_[0]->opsPort(), "/metrics");
  EXPECT_EQ(code, 200);
  EXPECT_NE(metrics.find("xmpp_db_errors_total{"), std::string::npos);
  EXPECT_NE(metrics.find("code=\"UNAVAILABLE\",method=\"UserExists\",service=\"auth\""),
            std::string::npos)
      << metrics;
}

TEST_F(Cluster, ServicesExportMetricsAndStopCleanly) {
  v1::ListUsersRequest list;
  v1::ListUsersResponse users;
  ASSERT_TRUE(auth(1)->ListUsers(ctx().get(), list, &users).ok());
  auto [code, body] = testing::httpGet(auth_[1]->opsPort(), "/metrics");
  EXPECT_EQ(code, 200);
  EXPECT_NE(body.find("xmpp_grpc_server_requests_total{code=\"OK\",method=\"ListUsers\","
                      "service=\"auth\"}"),
            std::string::npos);
  EXPECT_NE(body.find("xmpp_grpc_server_request_duration_seconds_bucket{method=\"ListUsers\","
                      "service=\"auth\",le=\"0.001\"}"),
            std::string::npos)
      << body;
  v1::GetRosterRequest get;
  get.set_user("nobody@localhost");
  v1::GetRosterResponse current;
  ASSERT_TRUE(roster()->GetRoster(ctx().get(), get, &current).ok());
  auto [rcode, rbody] = testing::httpGet(roster_->opsPort(), "/metrics");
  EXPECT_EQ(rcode, 200);
  // (other tests of the suite may have called it too: any count)
  EXPECT_NE(rbody.find("xmpp_grpc_server_requests_total{code=\"OK\",method=\"GetRoster\","
                       "service=\"userdata\"} "),
            std::string::npos)
      << rbody;
  // SIGTERM: a clean exit.
  int status = auth_[1]->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << auth_[1]->log();
  EXPECT_NE(auth_[1]->log().find("stopped"), std::string::npos);
}

}  // namespace
}  // namespace xmpp

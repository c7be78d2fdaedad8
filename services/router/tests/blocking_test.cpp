// XEP-0191 blocking through the router: the list, pushes, and what blocking does to
// messages, iqs and presence in both directions.

#include <string>

#include "fixture.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class BlockingTest : public RouterTest {
 protected:
  void SetUp() override {
    alice_ = bind("alice", "pc");
    phone_ = bind("alice", "phone");
    bob_ = bind("bob", "pc");
    subscribeBoth("alice", "bob");
    for (const Client* c : {&alice_, &phone_, &bob_}) available(*c);
    send(phone_, "<iq type='get' id='l0'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
    sink_.clear();
  }
  void subscribeBoth(const std::string& a, const std::string& b) {
    roster_.setSubscription(bareOf(a), bareOf(b), storage::Subscription::kBoth);
    roster_.setSubscription(bareOf(b), bareOf(a), storage::Subscription::kBoth);
  }
  Client alice_, phone_, bob_;
};

TEST_F(BlockingTest, BlockIsStoredPushedAndSendsUnavailable) {
  send(alice_,
       "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'>"
       "<item jid='bob@example.com'/></block></iq>");
  EXPECT_THAT(received(alice_), ElementsAre(HasSubstr("id=\"b1\" type=\"result\"")));
  // The phone asked for the list: it gets the push; the pc did not ask.
  EXPECT_THAT(received(phone_),
              ElementsAre(AllOf(HasSubstr("type=\"set\""),
                                HasSubstr("<block xmlns=\"urn:xmpp:blocking\"><item "
                                          "jid=\"bob@example.com\"/></block>"))));
  // Bob sees both of alice's resources go offline.
  EXPECT_THAT(
      received(bob_),
      ElementsAre(
          AllOf(HasSubstr("from=\"alice@example.com/pc\""), HasSubstr("type=\"unavailable\"")),
          AllOf(HasSubstr("from=\"alice@example.com/phone\""), HasSubstr("type=\"unavailable\""))));
  sink_.clear();
  send(alice_, "<iq type='get' id='l1'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
  EXPECT_THAT(received(alice_), ElementsAre(HasSubstr("<blocklist xmlns=\"urn:xmpp:blocking\">"
                                                      "<item jid=\"bob@example.com\"/>")));
}

TEST_F(BlockingTest, NothingPassesEitherWayWhileBlocked) {
  send(alice_,
       "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'>"
       "<item jid='bob@example.com'/></block></iq>");
  sink_.clear();
  send(alice_, "<message to='bob@example.com' type='chat' id='m1'><body>x</body></message>");
  EXPECT_THAT(received(bob_), IsEmpty());
  EXPECT_THAT(received(alice_),
              ElementsAre(AllOf(HasSubstr("type=\"error\""), HasSubstr("<not-acceptable"),
                                HasSubstr("<blocked xmlns=\"urn:xmpp:blocking:errors\"/>"))));
  sink_.clear();
  send(bob_, "<message to='alice@example.com' type='chat' id='m2'><body>y</body></message>");
  EXPECT_THAT(received(alice_), IsEmpty());
  EXPECT_THAT(received(phone_), IsEmpty());
  EXPECT_THAT(received(bob_), ElementsAre(HasSubstr("<service-unavailable")));
  sink_.clear();
  send(bob_, "<iq to='alice@example.com/pc' type='get' id='i1'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_THAT(received(alice_), IsEmpty());
  EXPECT_THAT(received(bob_), ElementsAre(HasSubstr("<service-unavailable")));
  sink_.clear();
  available(bob_, 1);  // a broadcast: not to alice
  EXPECT_THAT(received(alice_), IsEmpty());
  available(alice_, 2);
  EXPECT_THAT(received(bob_), ::testing::Each(Not(HasSubstr("from=\"alice"))));
  EXPECT_THAT(received(phone_), ElementsAre(HasSubstr("from=\"alice@example.com/pc\"")));
}

TEST_F(BlockingTest, UnblockRestoresTraffic) {
  send(alice_,
       "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'>"
       "<item jid='bob@example.com'/><item jid='example.org'/></block></iq>");
  send(alice_,
       "<iq type='set' id='u1'><unblock xmlns='urn:xmpp:blocking'>"
       "<item jid='bob@example.com'/></unblock></iq>");
  sink_.clear();
  send(bob_, "<message to='alice@example.com/pc' type='chat'><body>back</body></message>");
  EXPECT_THAT(received(alice_), ElementsAre(HasSubstr("<body>back</body>")));
  // Unblock with no items: everything.
  sink_.clear();
  send(phone_, "<iq type='set' id='u2'><unblock xmlns='urn:xmpp:blocking'/></iq>");
  EXPECT_THAT(received(phone_), ElementsAre(HasSubstr("<unblock xmlns=\"urn:xmpp:blocking\"/>"),
                                            HasSubstr("id=\"u2\" type=\"result\"")));
  EXPECT_THAT(blockList_.store.list("alice@example.com").value(), IsEmpty());
}

// §3.4: unblocking a contact with subscriptions both ways sends each side's current presence.
TEST_F(BlockingTest, UnblockSendsPresenceBothWaysAsTheSubscriptionsSay) {
  send(alice_,
       "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'>"
       "<item jid='bob@example.com'/></block></iq>");
  sink_.clear();
  send(alice_,
       "<iq type='set' id='u1'><unblock xmlns='urn:xmpp:blocking'>"
       "<item jid='bob@example.com'/></unblock></iq>");
  EXPECT_THAT(
      received(bob_),
      ElementsAre(AllOf(HasSubstr("from=\"alice@example.com/pc\""),
                        HasSubstr("to=\"bob@example.com\""), Not(HasSubstr("type="))),
                  AllOf(HasSubstr("from=\"alice@example.com/phone\""), Not(HasSubstr("type=")))));
  EXPECT_THAT(received(alice_),
              ::testing::Contains(AllOf(HasSubstr("<presence from=\"bob@example.com/pc\""),
                                        Not(HasSubstr("type=")))));
  // Unblocking what was not blocked sends nothing.
  sink_.clear();
  send(alice_,
       "<iq type='set' id='u2'><unblock xmlns='urn:xmpp:blocking'>"
       "<item jid='bob@example.com'/></unblock></iq>");
  EXPECT_THAT(received(bob_), IsEmpty());
}

TEST_F(BlockingTest, BadRequestsAndTheLimit) {
  send(alice_, "<iq type='set' id='e'><block xmlns='urn:xmpp:blocking'/></iq>");
  EXPECT_THAT(received(alice_), ElementsAre(HasSubstr("<bad-request")));
  sink_.clear();
  send(alice_,
       "<iq type='set' id='j'><block xmlns='urn:xmpp:blocking'><item jid='@@'/>"
       "</block></iq>");
  EXPECT_THAT(received(alice_), ElementsAre(HasSubstr("<jid-malformed")));
  sink_.clear();
  std::string six = "<iq type='set' id='six'><block xmlns='urn:xmpp:blocking'>";
  for (int i = 0; i < 6; ++i) six += "<item jid='u" + std::to_string(i) + "@example.org'/>";
  send(alice_, six + "</block></iq>");
  EXPECT_THAT(received(alice_), ElementsAre(HasSubstr("<not-allowed")));  // limit 5
}

TEST_F(BlockingTest, ListsAreCachedPerRouter) {
  const int before = blockList_.gets;
  for (int i = 0; i < 5; ++i) {
    send(bob_, "<message to='alice@example.com/pc' type='chat'><body>m</body></message>");
  }
  EXPECT_LE(blockList_.gets - before, 2);  // bob's and alice's lists, once each
}

}  // namespace
}  // namespace xmpp::router::testing

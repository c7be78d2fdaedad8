// XEP-0198 resumable sessions in the router (issue 10): a detached session keeps its place in
// the directory and what is routed to it is queued for its resume; a resume takes its place
// without a broadcast; a sweep detaches instead of ending; expiry stores, answers and ends.
#include "fixture.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class FakeResumable final : public ResumableSessionStore {
 public:
  Expected<bool, storage::StoreError> detach(const std::string& smId, const std::string&) override {
    detachedIds.insert(smId);
    return true;
  }
  Expected<Queued, storage::StoreError> queue(const std::string& smId,
                                              const std::string& entry) override {
    if (detachedIds.count(smId) == 0) return Queued::kNotDetached;
    if (queued[smId].size() >= cap) return Queued::kFull;
    v1::ResumableStanza e;
    e.ParseFromString(entry);
    queued[smId].push_back(e.stanza());
    return Queued::kQueued;
  }
  std::set<std::string> detachedIds;
  std::map<std::string, std::vector<v1::Stanza>> queued;
  size_t cap = 10;
};

class ResumptionTest : public RouterTest {
 protected:
  ResumptionTest() { core_.setResumableSessions(&store_); }

  // Bound, available, resumable as `sm`.
  Client resumable(const std::string& user, const std::string& resource, const std::string& sm) {
    Client c = bind(user, resource);
    available(c);
    v1::SessionInfo i = *directory_.inner.find(c.bare, resource);
    i.set_sm_id(sm);
    core_.onSessionUpdated(i);
    return c;
  }
  // alice (available) and bob (her contact, resumable as "sm1"), nothing recorded yet.
  void aliceAndBob(bool detachBob) {
    befriend("alice", "bob");
    alice_ = bind("alice", "phone");
    available(alice_);
    bob_ = resumable("bob", "pc", "sm1");
    if (detachBob) detach(bob_);
    sink_.clear();
  }
  void detach(const Client& c) {
    store_.detachedIds.insert(directory_.inner.find(c.bare, resourceOf(c))->sm_id());
    v1::SessionEnded e;
    e.set_session_id(c.sessionId);
    e.set_full_jid(c.fullJid);
    e.set_was_available(true);
    e.set_detached(true);
    core_.onSessionEnded(e);
  }
  FakeResumable store_;
  Client alice_;
  Client bob_;
};

TEST_F(ResumptionTest, ADetachedSessionKeepsItsPlaceAndWhatIsRoutedToItIsQueued) {
  aliceAndBob(true);
  const Client &alice = alice_, &bob = bob_;
  EXPECT_THAT(received(alice), IsEmpty());  // no unavailable: it may come back
  ASSERT_TRUE(directory_.inner.find(bob.bare, "pc")->detached());

  send(alice, "<message to='bob@example.com/pc' type='chat'><body>1</body></message>");
  send(alice, "<message to='bob@example.com' type='chat'><body>2</body></message>");
  send(alice, "<iq to='bob@example.com/pc' type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_THAT(sink_.deliveriesTo(bob.sessionId), IsEmpty());
  ASSERT_EQ(store_.queued["sm1"].size(), 3u);
  EXPECT_EQ(store_.queued["sm1"][2].id(), "q");
  EXPECT_EQ(roster_.offlineCount(bob.bare), 0u);
}

TEST_F(ResumptionTest, PastItsBoundAMessageIsStoredOfflineAndARequestAnswered) {
  aliceAndBob(true);
  const Client &alice = alice_, &bob = bob_;
  store_.cap = 0;
  send(alice, "<message to='bob@example.com/pc' type='chat'><body>1</body></message>");
  send(alice, "<iq to='bob@example.com/pc' type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(roster_.offlineCount(bob.bare), 1u);
  EXPECT_THAT(received(alice), ElementsAre(HasSubstr("type=\"error\"")));
}

TEST_F(ResumptionTest, AResumeTakesItsPlaceWithoutABroadcastAndTheOldStreamIsClosedResumed) {
  aliceAndBob(true);
  const Client &alice = alice_, &bob = bob_;
  Client resumed{"gw2/1", "gw2", bob.fullJid, bob.bare};
  v1::SessionInfo i = info(resumed, true, 0, parseStanza("<presence/>"));
  i.set_sm_id("sm1");
  i.set_resumes(bob.sessionId);
  core_.onSessionBound(i);
  EXPECT_THAT(received(alice), IsEmpty());  // nothing to tell: it never left
  auto now = directory_.inner.find(bob.bare, "pc");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->session_id(), "gw2/1");
  EXPECT_FALSE(now->detached());
  bool closedResumed = false;
  for (const auto& c : sink_.commands()) {
    if (c.close && c.close->session_id() == bob.sessionId) closedResumed = c.close->resumed();
  }
  EXPECT_TRUE(closedResumed);
  send(alice, "<message to='bob@example.com/pc' type='chat'><body>live</body></message>");
  EXPECT_THAT(received(resumed), ElementsAre(HasSubstr("live")));
}

TEST_F(ResumptionTest, ASweepDetachesAResumableSessionInsteadOfEndingIt) {
  aliceAndBob(false);
  const Client &alice = alice_, &bob = bob_;
  core_.onSessionSwept(*directory_.inner.find(bob.bare, "pc"));
  EXPECT_THAT(received(alice), IsEmpty());
  ASSERT_TRUE(directory_.inner.find(bob.bare, "pc"));
  EXPECT_TRUE(directory_.inner.find(bob.bare, "pc")->detached());
  EXPECT_EQ(store_.detachedIds.count("sm1"), 1u);
}

TEST_F(ResumptionTest, ExpiryStoresMessagesAnswersRequestsAndEndsTheSession) {
  aliceAndBob(true);
  const Client &alice = alice_, &bob = bob_;
  std::vector<v1::ResumableStanza> unacked(3);
  for (auto& e : unacked) e.set_kind(v1::ResumableStanza::KIND_ROUTED);
  *unacked[0].mutable_stanza() = parseStanza(
      "<message from='alice@example.com/phone' to='bob@example.com/pc' type='chat'>"
      "<body>kept</body></message>");
  *unacked[1].mutable_stanza() = parseStanza(
      "<iq from='alice@example.com/phone' to='bob@example.com/pc' type='get' id='q'>"
      "<ping xmlns='urn:xmpp:ping'/></iq>");
  *unacked[2].mutable_stanza() =
      parseStanza("<presence from='alice@example.com/phone' to='bob@example.com/pc'/>");
  core_.onResumptionExpired(bob.sessionId, bob.fullJid, *directory_.inner.find(bob.bare, "pc"),
                            unacked);
  EXPECT_EQ(roster_.offlineCount(bob.bare), 1u);
  const auto got = received(alice);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_THAT(got[0], HasSubstr("type=\"error\""));        // the ping, answered
  EXPECT_THAT(got[1], HasSubstr("type=\"unavailable\""));  // then bob is gone
  EXPECT_FALSE(directory_.inner.find(bob.bare, "pc"));
}

}  // namespace
}  // namespace xmpp::router::testing

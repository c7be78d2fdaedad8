// XEP-0198 resumption in the session (issue 10): stored first and written after, detached when
// the connection goes, taken over by a <resume/> on another stream, and what a stream does
// that lost its session to a resume elsewhere. The store is a fake with Redis's rules; the
// e2e test (tests/e2e/test_resumption.py) runs the real one across gateways.
#include "session_fixture.hpp"

namespace xmpp::gateway {
namespace {

using testing::FakeResumeStore;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ResumptionTest : public SessionTest {
 protected:
  // Bound with the store, stream management not enabled yet.
  void bindWithStore() {
    openSecure();
    session->setResumeStore(&store);
    auth.sasl.push_back({kOk, FakeAuth::success("alice")});
    feed(plainAuth(kPlainAlice));
    feed(header());
    feed(bindIq("home"));
    transport.take();
  }
  // Bound, resumable; returns the id from <enabled/>.
  std::string enableResumable() {
    bindWithStore();
    feed("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    EXPECT_EQ(transport.take(), "");  // not before the state exists
    store.complete();
    const std::string enabled = transport.take();
    EXPECT_THAT(enabled, StartsWith("<enabled xmlns=\"urn:xmpp:sm:3\" id=\""));
    EXPECT_THAT(enabled, HasSubstr("resume=\"true\" max=\"300\""));
    const size_t from = enabled.find("id=\"") + 4;
    return enabled.substr(from, enabled.find('"', from) - from);
  }
  FakeResumeStore store;
};

TEST_F(ResumptionTest, AStanzaIsWrittenOnlyOnceStoredAndInOrder) {
  const std::string id = enableResumable();
  session->deliver(chat("one"));
  session->deliver(chat("two"));
  EXPECT_EQ(transport.take(), "");  // a gateway killed now loses nothing the client saw
  store.complete();
  const std::string out = transport.take();
  EXPECT_LT(out.find("one"), out.find("two"));
  EXPECT_THAT(out, HasSubstr("<r xmlns=\"urn:xmpp:sm:3\"/>"));
  EXPECT_EQ(store.states[id].unacked.size(), 2u);
  feed("<a xmlns='urn:xmpp:sm:3' h='1'/>");
  store.complete();
  EXPECT_EQ(store.states[id].unacked.size(), 1u);  // trimmed with the ack
  // The directory knows it is resumable: a sweep of a dead gateway detaches it.
  ASSERT_FALSE(router.updated.empty());
  EXPECT_EQ(router.updated.back().sm_id(), id);
}

TEST_F(ResumptionTest, ALostConnectionDetachesAndHandsNothingBack) {
  const std::string id = enableResumable();
  session->deliver(chat("one"));
  store.complete();
  session->onTransportClosed();
  EXPECT_TRUE(router.undeliverableStanzas.empty());  // it waits for a resume
  EXPECT_TRUE(router.ended.empty());                 // not before it is detached
  store.complete();
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_TRUE(router.ended[0].detached());
  EXPECT_TRUE(store.states[id].detached);
  EXPECT_EQ(store.states[id].unacked.size(), 1u);
}

TEST_F(ResumptionTest, AResumeTakesTheSessionOverAndWritesWhatWasNotAcknowledged) {
  const std::string id = enableResumable();
  feed("<presence/>");
  for (const char* body : {"1", "2", "3"}) session->deliver(chat(body));
  store.complete();
  feed("<a xmlns='urn:xmpp:sm:3' h='1'/>");
  session->onTransportClosed();
  store.complete();
  const size_t endedBefore = router.ended.size();

  // Another stream (another gateway in production) resumes it.
  FakeTransport otherTransport;
  FakeRouter otherRouter;
  C2sSession other(otherTransport, auth, otherRouter, config, "gw2/9", "s2", *framing);
  other.setResumeStore(&store);
  otherRouter.confirmBinds = &other;
  otherTransport.isSecure = true;
  other.onBytes(header());
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  other.onBytes(plainAuth(kPlainAlice));
  other.onBytes(header());
  otherTransport.take();
  other.onBytes("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='2'/>");
  store.complete();
  ASSERT_EQ(otherRouter.bound.size(), 1u);
  EXPECT_EQ(otherRouter.bound[0].resumes(), "gw1/7");  // in the old session's place
  EXPECT_EQ(otherRouter.bound[0].full_jid(), "alice@example.com/home");
  EXPECT_TRUE(otherRouter.bound[0].available());  // its presence carried over
  const std::string out = otherTransport.take();
  EXPECT_THAT(out, StartsWith("<resumed xmlns=\"urn:xmpp:sm:3\" h=\"1\" previd=\"" + id));
  EXPECT_THAT(out, HasSubstr(">3</body>"));  // h=2: the first two were handled
  EXPECT_EQ(out.find(">2</body>"), std::string::npos);
  EXPECT_TRUE(other.bound());
  EXPECT_EQ(router.ended.size(), endedBefore);
  // New stanzas continue the count: h=3 acknowledges the resent one.
  other.onBytes("<a xmlns='urn:xmpp:sm:3' h='3'/>");
  EXPECT_EQ(other.sm().unacked(), 0u);
  EXPECT_FALSE(other.closed());
}

TEST_F(ResumptionTest, AResumeOfAnotherAccountsIdOrAnUnknownOneFails) {
  const std::string id = enableResumable();
  FakeTransport t;
  FakeRouter r;
  C2sSession other(t, auth, r, config, "gw2/9", "s2", *framing);
  other.setResumeStore(&store);
  t.isSecure = true;
  other.onBytes(header());
  auth.sasl.push_back({kOk, FakeAuth::success("bob")});
  other.onBytes(plainAuth(b64(std::string("\0bob\0pw", 7))));
  other.onBytes(header());
  t.take();
  other.onBytes("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='0'/>");
  store.complete();
  EXPECT_THAT(t.take(), HasSubstr("<failed xmlns=\"urn:xmpp:sm:3\"><item-not-found "));
  EXPECT_TRUE(r.bound.empty());
  other.onBytes(bindIq("pc"));  // it binds anew
  EXPECT_FALSE(other.closed());
}

TEST_F(ResumptionTest, AStreamThatLostItsSessionToAResumeClosesAndHandsNothingBack) {
  const std::string id = enableResumable();
  store.states[id].holder = "gw2/9";  // resumed elsewhere meanwhile
  session->deliver(chat("late"));
  store.complete();
  EXPECT_THAT(transport.take(), HasSubstr("<conflict "));
  EXPECT_TRUE(session->closed());
  EXPECT_TRUE(router.undeliverableStanzas.empty());
  EXPECT_TRUE(router.ended.empty());
}

TEST_F(ResumptionTest, TheRoutersCloseAfterAResumeHandsNothingBack) {
  enableResumable();
  session->deliver(chat("one"));
  store.complete();
  session->closeWithError("conflict", "Resumed on another connection", true);
  EXPECT_TRUE(session->closed());
  EXPECT_TRUE(router.undeliverableStanzas.empty());
  EXPECT_TRUE(router.ended.empty());
}

TEST_F(ResumptionTest, WithTheStoreDownTheSessionGoesOnUnresumable) {
  enableResumable();
  store.fail = true;
  session->deliver(chat("one"));
  store.complete();
  EXPECT_THAT(transport.take(), HasSubstr("one</body>"));  // written all the same
  EXPECT_FALSE(session->resumable());
  session->onTransportClosed();  // an ordinary end: unacknowledged ones go back
  EXPECT_EQ(router.undeliverableStanzas.size(), 1u);
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_FALSE(router.ended[0].detached());
}

TEST_F(ResumptionTest, WithTheStoreDownAtEnableItIsAcknowledgementsOnly) {
  bindWithStore();
  store.fail = true;
  feed("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
  session->deliver(chat("one"));  // behind <enabled/>, whatever it says
  store.complete();
  const std::string out = transport.take();
  EXPECT_THAT(out, StartsWith("<enabled xmlns=\"urn:xmpp:sm:3\"/>"));  // no id: no resumption
  EXPECT_THAT(out, HasSubstr("one</body>"));
  EXPECT_FALSE(session->resumable());
  session->deliver(chat("two"));  // written at once now
  EXPECT_THAT(transport.take(), HasSubstr("two</body>"));
}

TEST_F(ResumptionTest, ANormalEndReleasesTheState) {
  const std::string id = enableResumable();
  feed("</stream:stream>");
  store.complete();
  EXPECT_EQ(store.states.count(id), 0u);
}

}  // namespace
}  // namespace xmpp::gateway

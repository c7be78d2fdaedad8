// The built-in modules' own rules: XEP-0092 without the OS, XEP-0157 addresses in disco,
// XEP-0280 carbons, and the registry the core dispatches through.

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

class ConfiguredModulesTest : public RouterTest {
 protected:
  ConfiguredModulesTest() : RouterTest({}, {}, configured()) {}
  static RouterConfig configured() {
    RouterConfig c = config();
    c.discloseOs = true;
    c.contactAddresses = {{"abuse-addresses", {"mailto:abuse@example.com"}},
                          {"admin-addresses", {"xmpp:admin@example.com", "mailto:a@example.com"}}};
    return c;
  }
};

TEST_F(ConfiguredModulesTest, VersionDisclosesTheOsOnlyWhenConfigured) {
  Client a = bind("alice", "phone");
  send(a, "<iq type='get' id='v' to='example.com'><query xmlns='jabber:iq:version'/></iq>");
  EXPECT_THAT(received(a), ElementsAre(HasSubstr("<os>Linux ")));
}

TEST_F(ConfiguredModulesTest, ContactAddressesAreAServerInfoFormInDisco) {
  Client a = bind("alice", "phone");
  send(a,
       "<iq type='get' id='d' to='example.com'>"
       "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_THAT(
      received(a),
      ElementsAre(AllOf(
          HasSubstr("<x xmlns=\"jabber:x:data\" type=\"result\"><field var=\"FORM_TYPE\" "
                    "type=\"hidden\"><value>http://jabber.org/network/serverinfo</value>"
                    "</field>"),
          HasSubstr(
              "<field var=\"abuse-addresses\" type=\"list-multi\"><value>mailto:abuse@example.com"
              "</value></field>"),
          HasSubstr("<field var=\"admin-addresses\" "
                    "type=\"list-multi\"><value>xmpp:admin@example.com</value>"
                    "<value>mailto:a@example.com</value></field></x></query>"))));
  // Not on an account's bare JID.
  sink_.clear();
  send(a,
       "<iq type='get' id='d2' to='alice@example.com'>"
       "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_THAT(received(a), ElementsAre(Not(HasSubstr("jabber:x:data"))));
}

TEST_F(RouterTest, EveryModuleFeatureIsInTheServersDisco) {
  const auto& features = core_.modules().serverFeatures();
  for (const char* f : {"urn:xmpp:carbons:2", "jabber:iq:roster", "urn:xmpp:ping", "vcard-temp",
                        "jabber:iq:version", "msgoffline"}) {
    EXPECT_NE(std::find(features.begin(), features.end(), f), features.end()) << f;
  }
  EXPECT_NE(core_.modules().findIq("set", "urn:xmpp:carbons:2", "enable"), nullptr);
  EXPECT_EQ(core_.modules().findIq("get", "urn:xmpp:carbons:2", "enable"), nullptr);
}

class CarbonsTest : public RouterTest {
 protected:
  void SetUp() override {
    phone_ = bind("alice", "phone");
    laptop_ = bind("alice", "laptop");
    tablet_ = bind("alice", "tablet");  // never enables carbons
    bob_ = bind("bob", "pc");
    for (const Client* c : {&phone_, &laptop_, &tablet_, &bob_}) available(*c);
    enable(phone_);
    enable(laptop_);
    sink_.clear();
  }
  void enable(const Client& c) {
    sink_.clear();
    send(c, "<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
    ASSERT_THAT(received(c), ElementsAre(HasSubstr("type=\"result\"")));
  }
  Client phone_, laptop_, tablet_, bob_;
};

TEST_F(CarbonsTest, SentMessagesAreCopiedToTheOtherEnabledResources) {
  send(phone_, "<message to='bob@example.com/pc' type='chat' id='m1'><body>hi</body></message>");
  EXPECT_THAT(received(bob_), ElementsAre(HasSubstr("<body>hi</body>")));
  EXPECT_THAT(received(laptop_),
              ElementsAre(AllOf(HasSubstr("from=\"alice@example.com\""),
                                HasSubstr("to=\"alice@example.com/laptop\""),
                                HasSubstr("<sent xmlns=\"urn:xmpp:carbons:2\"><forwarded "
                                          "xmlns=\"urn:xmpp:forward:0\"><message "
                                          "xmlns=\"jabber:client\" "),
                                HasSubstr("id=\"m1\""), HasSubstr("<body>hi</body>"))));
  EXPECT_THAT(received(phone_), IsEmpty());   // not to the sender itself
  EXPECT_THAT(received(tablet_), IsEmpty());  // not enabled
}

TEST_F(CarbonsTest, MessagesToAFullJidAreCopiedToTheOtherEnabledResources) {
  send(bob_, "<message to='alice@example.com/phone' type='chat'><body>yo</body></message>");
  EXPECT_THAT(received(phone_), ElementsAre(Not(HasSubstr("carbons"))));
  EXPECT_THAT(received(laptop_),
              ElementsAre(AllOf(HasSubstr("<received xmlns=\"urn:xmpp:carbons:2\">"),
                                HasSubstr("from=\"bob@example.com/pc\""))));
  EXPECT_THAT(received(tablet_), IsEmpty());
}

TEST_F(CarbonsTest, ABareJidChatReachesEachResourceOnceWithoutCopies) {
  // All three are tied at priority 0: each gets the original, none a carbon.
  send(bob_, "<message to='alice@example.com' type='chat'><body>all</body></message>");
  for (const Client* c : {&phone_, &laptop_, &tablet_}) {
    EXPECT_THAT(received(*c), ElementsAre(Not(HasSubstr("carbons")))) << c->fullJid;
  }
}

TEST_F(CarbonsTest, PrivateNoCopyGroupchatAndErrorsAreNotCopied) {
  for (const char* m : {"<message to='bob@example.com/pc' type='chat'><body>p</body>"
                        "<private xmlns='urn:xmpp:carbons:2'/></message>",
                        "<message to='bob@example.com/pc' type='chat'><body>p</body>"
                        "<no-copy xmlns='urn:xmpp:hints'/></message>",
                        "<message to='bob@example.com/pc'><subject>no body</subject></message>",
                        "<message to='bob@example.com/pc' type='headline'><body>h</body></message>",
                        "<message to='bob@example.com/pc' type='error'><body>e</body></message>"}) {
    sink_.clear();
    send(phone_, m);
    EXPECT_THAT(received(laptop_), IsEmpty()) << m;
  }
}

TEST_F(CarbonsTest, DisableStopsTheCopiesAndGatewayUpdatesKeepTheFlag) {
  // A presence change from the gateway does not erase the enabled state.
  available(laptop_, 5);
  sink_.clear();
  send(phone_, "<message to='bob@example.com/pc' type='chat'><body>1</body></message>");
  EXPECT_THAT(received(laptop_), SizeIs(1));

  sink_.clear();
  send(laptop_, "<iq type='set' id='c2'><disable xmlns='urn:xmpp:carbons:2'/></iq>");
  EXPECT_THAT(received(laptop_), ElementsAre(HasSubstr("type=\"result\"")));
  sink_.clear();
  send(phone_, "<message to='bob@example.com/pc' type='chat'><body>2</body></message>");
  EXPECT_THAT(received(laptop_), IsEmpty());
}

class PrivateStorageTest : public RouterTest {
 protected:
  void SetUp() override { alice_ = bind("alice", "pc"); }
  std::string ask(const std::string& xml) {
    sink_.clear();
    send(alice_, xml);
    auto got = received(alice_);
    EXPECT_EQ(got.size(), 1u) << xml;
    return got.empty() ? std::string{} : got.back();
  }
  Client alice_;
};

TEST_F(PrivateStorageTest, StoresAndAnswersByNamespaceAndName) {
  EXPECT_THAT(ask("<iq type='set' id='s'><query xmlns='jabber:iq:private'>"
                  "<storage xmlns='storage:bookmarks'><conference jid='r@c.example.com' "
                  "autojoin='true'/></storage></query></iq>"),
              HasSubstr("type=\"result\""));
  EXPECT_EQ(ask("<iq type='get' id='g'><query xmlns='jabber:iq:private'>"
                "<storage xmlns='storage:bookmarks'/></query></iq>"),
            "<iq to=\"alice@example.com/pc\" id=\"g\" type=\"result\"><query "
            "xmlns=\"jabber:iq:private\"><storage xmlns=\"storage:bookmarks\"><conference "
            "jid=\"r@c.example.com\" autojoin=\"true\"/></storage></query></iq>");
  // Nothing stored: the empty element back (XEP-0049 §3.2).
  EXPECT_EQ(ask("<iq type='get' id='e'><query xmlns='jabber:iq:private'>"
                "<notes xmlns='storage:rosternotes'/></query></iq>"),
            "<iq to=\"alice@example.com/pc\" id=\"e\" type=\"result\"><query "
            "xmlns=\"jabber:iq:private\"><notes xmlns=\"storage:rosternotes\"/></query></iq>");
}

TEST_F(PrivateStorageTest, RefusesReservedNamespacesOtherAccountsAndLimits) {
  EXPECT_THAT(ask("<iq type='set' id='c'><query xmlns='jabber:iq:private'>"
                  "<x xmlns='jabber:client'/></query></iq>"),
              HasSubstr("<not-acceptable"));
  EXPECT_THAT(ask("<iq type='get' id='b' to='bob@example.com'><query xmlns='jabber:iq:private'>"
                  "<storage xmlns='storage:bookmarks'/></query></iq>"),
              HasSubstr("<forbidden"));
  EXPECT_THAT(ask("<iq type='get' id='n'><query xmlns='jabber:iq:private'/></iq>"),
              HasSubstr("<bad-request"));
  EXPECT_THAT(ask("<iq type='set' id='big'><query xmlns='jabber:iq:private'><a xmlns='urn:a'>" +
                  std::string(5000, 'x') + "</a></query></iq>"),
              HasSubstr("<not-acceptable"));
  for (const char* ns : {"urn:1", "urn:2", "urn:3"}) {
    EXPECT_THAT(ask(std::string("<iq type='set' id='q'><query xmlns='jabber:iq:private'><a "
                                "xmlns='") +
                    ns + "'/></query></iq>"),
                HasSubstr("type=\"result\""));
  }
  EXPECT_THAT(ask("<iq type='set' id='q4'><query xmlns='jabber:iq:private'><a xmlns='urn:4'/>"
                  "</query></iq>"),
              HasSubstr("<not-allowed"));
  // Replacing one already stored is fine at the limit.
  EXPECT_THAT(ask("<iq type='set' id='q5'><query xmlns='jabber:iq:private'><a xmlns='urn:1'>v"
                  "</a></query></iq>"),
              HasSubstr("type=\"result\""));
}

class LastActivityTest : public RouterTest {
 protected:
  void SetUp() override {
    bob_ = bind("bob", "pc");
    available(bob_);
    roster_.setSubscription(bareOf("alice"), bareOf("bob"), storage::Subscription::kBoth);
    roster_.setSubscription(bareOf("bob"), bareOf("alice"), storage::Subscription::kBoth);
  }
  std::string askBob(const std::string& to) {
    sink_.clear();
    send(bob_, "<iq type='get' id='l' to='" + to + "'><query xmlns='jabber:iq:last'/></iq>");
    auto got = received(bob_);
    EXPECT_EQ(got.size(), 1u);
    return got.empty() ? std::string{} : got.back();
  }
  Client bob_;
};

TEST_F(LastActivityTest, OnlineIsZeroOfflineHasTheStatusOfTheLastUnavailable) {
  Client alice = bind("alice", "pc");
  available(alice);
  EXPECT_THAT(askBob("alice@example.com"), HasSubstr("<query xmlns=\"jabber:iq:last\" "
                                                     "seconds=\"0\"/>"));
  send(alice, "<presence type='unavailable'><status>gone fishing</status></presence>");
  core_.onSessionEnded([&] {
    v1::SessionEnded e;
    e.set_session_id(alice.sessionId);
    e.set_full_jid(alice.fullJid);
    return e;
  }());
  EXPECT_THAT(askBob("alice@example.com"),
              ::testing::MatchesRegex(".*<query xmlns=\"jabber:iq:last\" seconds=\"[0-9]+\">"
                                      "gone fishing</query>.*"));
}

TEST_F(LastActivityTest, ADroppedConnectionIsRecordedWithoutStatus) {
  Client alice = bind("alice", "pc");
  available(alice);
  v1::SessionEnded e;
  e.set_session_id(alice.sessionId);
  e.set_full_jid(alice.fullJid);
  e.set_was_available(true);
  core_.onSessionEnded(e);
  EXPECT_THAT(askBob("alice@example.com"), HasSubstr("seconds=\""));
  EXPECT_TRUE(lastActivity_.store.get("alice@example.com").has_value());
  EXPECT_EQ(lastActivity_.store.get("alice@example.com")->status, "");
}

TEST_F(LastActivityTest, StrangersAndNeverSeenAccountsAndTheServer) {
  EXPECT_THAT(askBob("carol@example.com"), HasSubstr("<forbidden"));       // no subscription
  EXPECT_THAT(askBob("alice@example.com"), HasSubstr("<item-not-found"));  // never logged out
  EXPECT_THAT(askBob("nobody@example.com"), HasSubstr("<service-unavailable"));
  EXPECT_THAT(askBob("example.com"), ::testing::MatchesRegex(".*seconds=\"[0-9]+\"/>.*"));
}

TEST_F(RouterTest, AccountRemovalAnswersThenEndsEveryStreamOfTheAccount) {
  Client pc = bind("alice", "pc");
  Client phone = bind("alice", "phone", "gw2");
  sink_.clear();
  send(pc, "<iq type='set' id='rm'><query xmlns='jabber:iq:register'><remove/></query></iq>");
  const auto commands = sink_.commands();
  ASSERT_EQ(commands.size(), 3u);
  ASSERT_TRUE(commands[0].delivery.has_value());  // the result, first
  EXPECT_THAT(xmlOf(commands[0].delivery->stanza()), ::testing::HasSubstr("type=\"result\""));
  std::set<std::string> closed;
  for (size_t i = 1; i < commands.size(); ++i) {
    ASSERT_TRUE(commands[i].close.has_value());
    EXPECT_EQ(commands[i].close->condition(), "not-authorized");
    closed.insert(commands[i].close->session_id());
  }
  EXPECT_EQ(closed, (std::set<std::string>{pc.sessionId, phone.sessionId}));
  EXPECT_FALSE(accounts_.users.contains("alice"));
  // Other register requests after login are not served.
  Client bob = bind("bob", "pc");
  sink_.clear();
  send(bob,
       "<iq type='set' id='pw'><query xmlns='jabber:iq:register'><username>bob</username>"
       "<password>x</password></query></iq>");
  EXPECT_THAT(received(bob), ::testing::ElementsAre(::testing::HasSubstr("<service-unavailable")));
}

}  // namespace
}  // namespace xmpp::router::testing

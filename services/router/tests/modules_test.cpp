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

}  // namespace
}  // namespace xmpp::router::testing

// IQ: routing to full JIDs, and what the server answers itself (roster, disco, ping, version,
// vCard), with errors.

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

class IqTest : public RouterTest {
 protected:
  void SetUp() override {
    alice_ = bind("alice", "phone");
    available(alice_);
    sink_.clear();
  }
  // The one stanza alice got back for `xml`.
  std::string ask(const std::string& xml) {
    sink_.clear();
    send(alice_, xml);
    auto got = received(alice_);
    EXPECT_THAT(got, SizeIs(1)) << xml;
    return got.empty() ? std::string{} : got.back();
  }
  Client alice_;
};

// si-file-transfer.xml: offers and answers between full JIDs cross the router unchanged.
TEST_F(IqTest, StreamInitiationIsRoutedUnchangedBetweenFullJids) {
  Client receiver = bind("bob", "MiniClient");
  available(receiver);
  sink_.clear();
  const std::string offer =
      "<iq id=\"agsXMPP_6\" to=\"bob@example.com/MiniClient\" type=\"set\">"
      "<si xmlns=\"http://jabber.org/protocol/si\" "
      "profile=\"http://jabber.org/protocol/si/profile/file-transfer\" "
      "id=\"b3b5f49c-8a94-49e2-908a-3de694b98af0\">"
      "<file xmlns=\"http://jabber.org/protocol/si/profile/file-transfer\" "
      "name=\"MiniClient.exe.config\" size=\"382\"><range/></file>"
      "<feature xmlns=\"http://jabber.org/protocol/feature-neg\">"
      "<x xmlns=\"jabber:x:data\" type=\"form\"><field type=\"list-single\" var=\"stream-method\">"
      "<option><value>http://jabber.org/protocol/bytestreams</value></option></field></x>"
      "</feature></si></iq>";
  send(alice_, offer);
  EXPECT_THAT(received(receiver),
              ElementsAre(AllOf(HasSubstr("from=\"alice@example.com/phone\""),
                                HasSubstr("to=\"bob@example.com/MiniClient\""),
                                HasSubstr("id=\"agsXMPP_6\""),
                                HasSubstr("<file xmlns=\"http://jabber.org/protocol/si/profile/"
                                          "file-transfer\" name=\"MiniClient.exe.config\" "
                                          "size=\"382\"><range/></file>"),
                                HasSubstr("<option><value>http://jabber.org/protocol/bytestreams"
                                          "</value></option>"))));
  v1::Stanza sent = parseStanza(offer);
  sent.set_from(alice_.fullJid);
  ASSERT_THAT(sink_.deliveriesTo(receiver.sessionId), SizeIs(1));
  EXPECT_EQ(sink_.deliveriesTo(receiver.sessionId)[0].stanza().SerializeAsString(),
            sent.SerializeAsString());

  // The receiver's answer goes back the same way.
  sink_.clear();
  send(receiver,
       "<iq to='alice@example.com/phone' type='result' id='agsXMPP_6'>"
       "<si xmlns='http://jabber.org/protocol/si' id='b3b5f49c-8a94-49e2-908a-3de694b98af0'/>"
       "</iq>");
  EXPECT_THAT(received(alice_), ElementsAre(HasSubstr("from=\"bob@example.com/MiniClient\"")));
}

TEST_F(IqTest, IqToAFullJidWithoutSessionIsServiceUnavailableWithThePayload) {
  EXPECT_EQ(ask("<iq to='bob@example.com/gone' type='set' id='b1'>"
                "<query xmlns='http://jabber.org/protocol/bytestreams' sid='s'/></iq>"),
            "<iq from=\"bob@example.com/gone\" to=\"alice@example.com/phone\" id=\"b1\" "
            "type=\"error\"><query xmlns=\"http://jabber.org/protocol/bytestreams\" sid=\"s\"/>"
            "<error type=\"cancel\"><service-unavailable "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>");
  // Results and errors to nobody are dropped, never answered.
  sink_.clear();
  send(alice_, "<iq to='bob@example.com/gone' type='result' id='b2'/>");
  send(alice_, "<iq to='bob@example.com/gone' type='error' id='b3'/>");
  send(alice_, "<iq type='result' id='b4'/>");
  send(alice_, "<iq to='example.com' type='error' id='b5'/>");
  send(alice_, "<iq to='bob@example.com' type='result' id='b6'/>");
  EXPECT_THAT(sink_.deliveries(), IsEmpty());
}

TEST_F(IqTest, MalformedIqsAreBadRequest) {
  EXPECT_THAT(ask("<iq id='t'><ping xmlns='urn:xmpp:ping'/></iq>"),
              HasSubstr("<error type=\"modify\"><bad-request"));
  EXPECT_THAT(ask("<iq type='get' id='t'/>"), HasSubstr("<bad-request"));
  EXPECT_THAT(ask("<iq type='get' id='t' to='bob@example.org'><ping xmlns='urn:xmpp:ping'/></iq>"),
              HasSubstr("<remote-server-not-found"));
}

TEST_F(IqTest, PingVersionDiscoAnswersFromTheServer) {
  EXPECT_EQ(ask("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            "<iq to=\"alice@example.com/phone\" id=\"p1\" type=\"result\"/>");
  EXPECT_EQ(ask("<iq type='get' id='p2' to='example.com'><ping xmlns='urn:xmpp:ping'/></iq>"),
            "<iq from=\"example.com\" to=\"alice@example.com/phone\" id=\"p2\" type=\"result\"/>");
  EXPECT_EQ(ask("<iq type='get' id='v' to='example.com'><query xmlns='jabber:iq:version'/></iq>"),
            "<iq from=\"example.com\" to=\"alice@example.com/phone\" id=\"v\" type=\"result\">"
            "<query xmlns=\"jabber:iq:version\"><name>xmppd</name><version>9.9</version>"
            "</query></iq>");  // XEP-0092 §4: no OS unless configured (modules_test)

  const std::string info =
      ask("<iq type='get' id='d' to='example.com'>"
          "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_THAT(info, HasSubstr("<identity category=\"server\" type=\"im\" name=\"xmppd\"/>"));
  for (const char* feature :
       {"http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
        "urn:xmpp:ping", "jabber:iq:version", "vcard-temp", "jabber:iq:roster", "urn:xmpp:delay"}) {
    EXPECT_THAT(info, HasSubstr(std::string("<feature var=\"") + feature + "\"/>"));
  }
  EXPECT_THAT(ask("<iq type='get' id='d2' to='alice@example.com'>"
                  "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
              AllOf(HasSubstr("<identity category=\"account\" type=\"registered\"/>"),
                    HasSubstr("from=\"alice@example.com\"")));
  EXPECT_EQ(ask("<iq type='get' id='i' to='example.com'>"
                "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>"),
            "<iq from=\"example.com\" to=\"alice@example.com/phone\" id=\"i\" type=\"result\">"
            "<query xmlns=\"http://jabber.org/protocol/disco#items\"/></iq>");
  EXPECT_THAT(ask("<iq type='get' id='n' to='example.com'>"
                  "<query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>"),
              HasSubstr("<item-not-found"));
}

TEST_F(IqTest, UnknownPayloadsAndWrongTargetsAreServiceUnavailable) {
  EXPECT_THAT(ask("<iq type='get' id='u'><query xmlns='urn:example:unknown'/></iq>"),
              HasSubstr("<error type=\"cancel\"><service-unavailable"));
  EXPECT_THAT(ask("<iq type='set' id='u'><ping xmlns='urn:xmpp:ping'/></iq>"),
              HasSubstr("<service-unavailable"));
  // Another account's bare JID: only its vCard is served.
  EXPECT_THAT(ask("<iq type='get' id='u' to='bob@example.com'><ping xmlns='urn:xmpp:ping'/></iq>"),
              AllOf(HasSubstr("from=\"bob@example.com\""), HasSubstr("<service-unavailable")));
  EXPECT_THAT(ask("<iq type='get' id='u' to='bob@example.com'>"
                  "<query xmlns='jabber:iq:roster'/></iq>"),
              HasSubstr("<service-unavailable"));
  EXPECT_THAT(ask("<iq type='set' id='u' to='bob@example.com'><vCard xmlns='vcard-temp'/></iq>"),
              HasSubstr("<service-unavailable"));
  EXPECT_THAT(ask("<iq type='get' id='u' to='example.com/res'><ping xmlns='urn:xmpp:ping'/></iq>"),
              HasSubstr("<service-unavailable"));
}

TEST_F(IqTest, VcardGetSetOwnAndOthers) {
  EXPECT_EQ(ask("<iq type='get' id='v1'><vCard xmlns='vcard-temp'/></iq>"),
            "<iq to=\"alice@example.com/phone\" id=\"v1\" type=\"result\">"
            "<vCard xmlns=\"vcard-temp\"/></iq>");
  EXPECT_EQ(ask("<iq type='set' id='v2'><vCard xmlns='vcard-temp'><FN>Alice</FN></vCard></iq>"),
            "<iq to=\"alice@example.com/phone\" id=\"v2\" type=\"result\"/>");
  EXPECT_THAT(ask("<iq type='get' id='v3' to='alice@example.com'><vCard xmlns='vcard-temp'/></iq>"),
              HasSubstr("<vCard xmlns=\"vcard-temp\"><FN>Alice</FN></vCard>"));

  Client bob = bind("bob", "pc");
  available(bob);
  sink_.clear();
  send(bob, "<iq type='get' id='v4' to='alice@example.com'><vCard xmlns='vcard-temp'/></iq>");
  EXPECT_THAT(received(bob), ElementsAre("<iq from=\"alice@example.com\" to=\"bob@example.com/pc\" "
                                         "id=\"v4\" type=\"result\"><vCard xmlns=\"vcard-temp\">"
                                         "<FN>Alice</FN></vCard></iq>"));
  EXPECT_THAT(
      ask("<iq type='get' id='v5' to='nobody@example.com'><vCard xmlns='vcard-temp'/></iq>"),
      HasSubstr("<service-unavailable"));
  EXPECT_THAT(ask("<iq type='set' id='v6'><vCard xmlns='vcard-temp'><FN>x</FN></vCard>"
                  "<extra xmlns='urn:x'/></iq>"),
              HasSubstr("type=\"result\""));  // the first child is the payload
}

TEST_F(IqTest, RosterGetWithVersioning) {
  befriend("alice", "bob");
  const std::string full = ask("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_THAT(full,
              AllOf(HasSubstr("type=\"result\""), HasSubstr("<query xmlns=\"jabber:iq:roster\">"),
                    HasSubstr("<item jid=\"bob@example.com\" subscription=\"both\"/>")));
  EXPECT_THAT(full, Not(HasSubstr("ver=")));  // the client did not ask with a version

  const std::string versioned =
      ask("<iq type='get' id='r2'><query xmlns='jabber:iq:roster' ver=''/></iq>");
  const auto at = versioned.find("ver=\"");
  ASSERT_NE(at, std::string::npos) << versioned;
  const std::string ver = versioned.substr(at + 5, versioned.find('"', at + 5) - at - 5);
  EXPECT_THAT(versioned, HasSubstr("<item jid=\"bob@example.com\""));

  // Current version: an empty result.
  EXPECT_EQ(ask("<iq type='get' id='r3'><query xmlns='jabber:iq:roster' ver='" + ver + "'/></iq>"),
            "<iq to=\"alice@example.com/phone\" id=\"r3\" type=\"result\"/>");
  EXPECT_TRUE(interested(alice_));
}

TEST_F(IqTest, RosterSetPushesToInterestedSessionsAndAnswers) {
  Client other = bind("alice", "pc");  // interested too
  Client idle = bind("alice", "watch");
  requestRoster(alice_);
  requestRoster(other);
  sink_.clear();

  send(alice_,
       "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'>"
       "<item jid='carol@example.com' name='Carol'><group>Friends</group></item></query></iq>");
  auto got = received(alice_);
  ASSERT_THAT(got, SizeIs(2));
  EXPECT_THAT(got[0], AllOf(HasSubstr("<iq to=\"alice@example.com/phone\" id=\"push"),
                            HasSubstr("type=\"set\""),
                            HasSubstr("<item jid=\"carol@example.com\" name=\"Carol\" "
                                      "subscription=\"none\"><group>Friends</group></item>")));
  EXPECT_EQ(got[1], "<iq to=\"alice@example.com/phone\" id=\"s1\" type=\"result\"/>");
  EXPECT_THAT(received(other), ElementsAre(HasSubstr("to=\"alice@example.com/pc\"")));
  EXPECT_THAT(received(idle), IsEmpty());

  sink_.clear();
  send(alice_,
       "<iq type='set' id='s2'><query xmlns='jabber:iq:roster'>"
       "<item jid='carol@example.com' subscription='remove'/></query></iq>");
  EXPECT_THAT(received(other), ElementsAre(HasSubstr("subscription=\"remove\"")));

  // Two items, a bad JID, one's own JID: errors from the userdata service's conditions.
  EXPECT_THAT(ask("<iq type='set' id='s3'><query xmlns='jabber:iq:roster'>"
                  "<item jid='a@example.com'/><item jid='b@example.com'/></query></iq>"),
              HasSubstr("<bad-request"));
  EXPECT_THAT(ask("<iq type='set' id='s4'><query xmlns='jabber:iq:roster'>"
                  "<item jid='alice@example.com'/></query></iq>"),
              HasSubstr("<error type=\"cancel\"><not-allowed"));
}

TEST_F(IqTest, RosterRemoveOfASubscribedContactTellsTheContact) {
  befriend("alice", "bob");
  Client bob = bind("bob", "pc");
  requestRoster(bob);
  available(bob);
  sink_.clear();
  send(alice_,
       "<iq type='set' id='rm'><query xmlns='jabber:iq:roster'>"
       "<item jid='bob@example.com' subscription='remove'/></query></iq>");
  EXPECT_EQ(roster_.item("bob@example.com", "alice@example.com").subscription,
            storage::Subscription::kNone);
  EXPECT_THAT(received(bob), ::testing::Contains(HasSubstr("type=\"unsubscribe\"")));
  EXPECT_THAT(received(bob), ::testing::Contains(HasSubstr("type=\"unsubscribed\"")));
}

TEST_F(IqTest, BackendFailuresAreAnsweredNotFatal) {
  roster_.failing = true;
  EXPECT_THAT(ask("<iq type='get' id='f1'><query xmlns='jabber:iq:roster'/></iq>"),
              HasSubstr("<error type=\"wait\"><service-unavailable"));
  EXPECT_THAT(ask("<iq type='get' id='f2'><vCard xmlns='vcard-temp'/></iq>"),
              HasSubstr("<error type=\"wait\"><service-unavailable"));
  roster_.failing = false;
  accounts_.failing = true;
  EXPECT_THAT(ask("<iq type='get' id='f3' to='bob@example.com'><vCard xmlns='vcard-temp'/></iq>"),
              HasSubstr("<error type=\"wait\"><service-unavailable"));
}

}  // namespace
}  // namespace xmpp::router::testing

// Stream negotiation: header, features, STARTTLS, SASL, XEP-0078, XEP-0077, bind.

#include "session_fixture.hpp"

namespace xmpp::gateway {
namespace {

// --- Stream header and features --------------------------------------------------------

TEST_F(SessionTest, HeaderThenOnlyRequiredStarttlsBeforeTls) {
  start();
  feed(header());
  EXPECT_EQ(transport.take(),
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' id='s1d' from='example.com' "
            "version='1.0' xml:lang='en'><stream:features><starttls "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"><required/></starttls></stream:features>");
}

TEST_F(SessionTest, OptionalTlsOffersMechanismsButNotPlainInTheClear) {
  config.tlsRequired = false;
  config.registration = true;
  start();
  feed(header());
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>"));
  EXPECT_THAT(out, HasSubstr("<mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1"
                             "</mechanism></mechanisms>"));
  EXPECT_THAT(out, Not(HasSubstr("PLAIN")));
  EXPECT_THAT(out, HasSubstr("<auth xmlns=\"http://jabber.org/features/iq-auth\"/>"));
  EXPECT_THAT(out, HasSubstr("<register xmlns=\"http://jabber.org/features/iq-register\"/>"));
}

TEST_F(SessionTest, SecureStreamOffersPlainAndNoStarttls) {
  config.legacyAuth = false;
  openSecure();
  start();
  feed(header());
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("<mechanism>PLAIN</mechanism>"));
  EXPECT_THAT(out, Not(HasSubstr("starttls")));
  EXPECT_THAT(out, Not(HasSubstr("iq-auth")));
  EXPECT_THAT(out, Not(HasSubstr("iq-register")));
}

TEST_F(SessionTest, ClientWithoutVersionGetsNoVersionAndNoFeatures) {
  start();
  feed(header("example.com", ""));
  EXPECT_EQ(transport.take(),
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' id='s1d' from='example.com' "
            "xml:lang='en'>");
}

TEST_F(SessionTest, WrongDomainIsHostUnknownAfterOurHeader) {
  start();
  feed(header("other.org"));
  const std::string out = transport.take();
  EXPECT_TRUE(out.starts_with("<?xml version='1.0'?><stream:stream "));
  EXPECT_THAT(out, HasSubstr("from='example.com'"));
  EXPECT_TRUE(
      out.ends_with("<stream:error><host-unknown "
                    "xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></stream:error>"
                    "</stream:stream>"))
      << out;
  EXPECT_THAT(out, Not(HasSubstr("features")));
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_TRUE(session->closed());
}

TEST_F(SessionTest, DomainIsComparedPrepared) {
  start();
  feed(header("EXAMPLE.com"));
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, MajorVersionTwoIsUnsupported) {
  start();
  feed(header("example.com", "2.0"));
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("version='1.0'"));
  EXPECT_THAT(out, HasSubstr("<unsupported-version "));
  EXPECT_EQ(transport.closeCalls, 1);
}

// --- STARTTLS ----------------------------------------------------------------------------

TEST_F(SessionTest, StarttlsProceedsAndIgnoresPipelinedBytes) {
  start();
  feed(header());
  transport.take();
  feed("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\x16\x03\x01garbage<presence/>");
  EXPECT_EQ(transport.take(), "<proceed xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>");
  EXPECT_EQ(transport.startTlsCalls, 1);
  feed("\x16\x03\x03 more handshake bytes");  // the transport's, never ours
  EXPECT_EQ(transport.take(), "");
  EXPECT_FALSE(session->closed());

  transport.isSecure = true;
  session->onTlsEstablished();
  feed(header());
  const std::string out = transport.take();
  EXPECT_TRUE(out.starts_with("<?xml version='1.0'?><stream:stream")) << out;
  EXPECT_THAT(out, HasSubstr("<mechanism>PLAIN</mechanism>"));
  EXPECT_THAT(out, Not(HasSubstr("starttls")));
}

TEST_F(SessionTest, StarttlsOnSecureStreamFails) {
  openSecure();
  feed("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/></stream:stream>");
  EXPECT_EQ(transport.startTlsCalls, 0);
  EXPECT_EQ(transport.closeCalls, 1);
}

TEST_F(SessionTest, StarttlsWithoutCertificateFails) {
  config.tlsAvailable = false;
  config.tlsRequired = false;
  start();
  feed(header());
  EXPECT_THAT(transport.take(), Not(HasSubstr("starttls")));
  feed("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/></stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
}

// --- SASL --------------------------------------------------------------------------------

TEST_F(SessionTest, SaslRefusedBeforeRequiredTls) {
  start();
  feed(header());
  transport.take();
  feed(plainAuth(kPlainAlice));
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><encryption-required/>"
            "</failure>");
  EXPECT_EQ(auth.calls(), 0);
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, PlainNotAcceptedInTheClear) {
  config.tlsRequired = false;
  start();
  feed(header());
  transport.take();
  feed(plainAuth(kPlainAlice));
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><invalid-mechanism/></failure>");
  EXPECT_EQ(auth.calls(), 0);
}

TEST_F(SessionTest, UnknownMechanismIsInvalid) {
  openSecure();
  feed("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5'/>");
  EXPECT_THAT(transport.take(), HasSubstr("<invalid-mechanism/>"));
  EXPECT_EQ(auth.calls(), 0);
}

TEST_F(SessionTest, SaslPlainSuccessRestartsTheStream) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  ASSERT_EQ(auth.starts.size(), 1u);
  EXPECT_EQ(auth.starts[0].mechanism(), "PLAIN");
  EXPECT_EQ(auth.starts[0].initial_response(), std::string("\0alice\0secret", 13));
  EXPECT_EQ(auth.starts[0].session().source_address(), "192.0.2.7");
  EXPECT_TRUE(auth.starts[0].session().tls());
  EXPECT_EQ(auth.starts[0].session().stream_id(), "s1d");
  EXPECT_EQ(transport.take(), "<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>");
  EXPECT_TRUE(session->authenticated());
  EXPECT_EQ(session->bareJid(), "alice@example.com");

  feed(header());
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("<stream:features><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/>"
                             "<session xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"><optional/>"
                             "</session><ver xmlns=\"urn:xmpp:features:rosterver\"/>"
                             "<csi xmlns=\"urn:xmpp:csi:0\"/><sm xmlns=\"urn:xmpp:sm:3\"/>"
                             "</stream:features>"));
  EXPECT_THAT(out, Not(HasSubstr("mechanisms")));
}

TEST_F(SessionTest, SuccessCarriesAdditionalData) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice", "v=abc")});
  feed(plainAuth(kPlainAlice));
  EXPECT_EQ(transport.take(),
            "<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">dj1hYmM=</success>");
}

TEST_F(SessionTest, ChallengeResponseCarriesTheContinuation) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::challenge("r=nonce,s=salt,i=4096", "sealed-1")});
  auth.sasl.push_back({kOk, FakeAuth::success("alice", "v=sig")});
  feed("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>" +
       b64("n,,n=alice,r=abc") + "</auth>");
  EXPECT_EQ(auth.starts[0].initial_response(), "n,,n=alice,r=abc");
  EXPECT_EQ(transport.take(), "<challenge xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">" +
                                  b64("r=nonce,s=salt,i=4096") + "</challenge>");
  feed("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + b64("c=biws,p=proof") +
       "</response>");
  ASSERT_EQ(auth.continues.size(), 1u);
  EXPECT_EQ(auth.continues[0].continuation(), "sealed-1");
  EXPECT_EQ(auth.continues[0].response(), "c=biws,p=proof");
  EXPECT_EQ(auth.continues[0].session().stream_id(), "s1d");
  EXPECT_EQ(transport.take(),
            "<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">" + b64("v=sig") + "</success>");
  EXPECT_TRUE(session->authenticated());
}

TEST_F(SessionTest, SaslFailureConditionsArePassedThrough) {
  openSecure();
  for (const char* c : {"not-authorized", "temporary-auth-failure", "account-disabled"}) {
    auth.sasl.push_back({kOk, FakeAuth::failure(c)});
    feed(plainAuth(kPlainAlice));
    EXPECT_EQ(
        transport.take(),
        std::string("<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><") + c + "/></failure>");
  }
  auth.sasl.push_back({kOk, FakeAuth::failure("<bogus>")});
  feed(plainAuth(kPlainAlice));
  EXPECT_THAT(transport.take(), HasSubstr("<not-authorized/>"));
  EXPECT_FALSE(session->authenticated());
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, AuthServiceDownIsTemporaryFailure) {
  openSecure();
  auth.sasl.push_back({grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"), {}});
  feed(plainAuth(kPlainAlice));
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><temporary-auth-failure/>"
            "</failure>");
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, InvalidBase64IsIncorrectEncoding) {
  openSecure();
  feed(plainAuth("AGh4d!Ax"));
  EXPECT_THAT(transport.take(), HasSubstr("<incorrect-encoding/>"));
  EXPECT_EQ(auth.calls(), 0);
}

TEST_F(SessionTest, EmptyAndEqualsSignPayloadsAreEmpty) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::challenge("", "c1")});
  auth.sasl.push_back({kOk, FakeAuth::challenge("", "c2")});
  feed("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>");
  feed(plainAuth("="));
  ASSERT_EQ(auth.starts.size(), 2u);
  EXPECT_EQ(auth.starts[0].initial_response(), "");
  EXPECT_EQ(auth.starts[1].initial_response(), "");
  EXPECT_EQ(transport.take(),
            "<challenge xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>"
            "<challenge xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>");
}

TEST_F(SessionTest, AbortEndsTheExchange) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::challenge("x", "c1")});
  feed("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>" + b64("n,,") +
       "</auth>");
  transport.take();
  feed("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><aborted/></failure>");
  feed("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + b64("late") + "</response>");
  EXPECT_THAT(transport.take(), HasSubstr("<malformed-request/>"));
  EXPECT_TRUE(auth.continues.empty());
}

TEST_F(SessionTest, TooManyFailuresCloseTheStream) {
  openSecure();
  for (int i = 0; i < C2sSession::kMaxAuthFailures; ++i) {
    auth.sasl.push_back({kOk, FakeAuth::failure("not-authorized")});
    feed(plainAuth(kPlainAlice));
  }
  const std::string out = transport.take();
  EXPECT_TRUE(
      out.ends_with("<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><not-authorized/>"
                    "</failure><stream:error><policy-violation "
                    "xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></stream:error>"
                    "</stream:stream>"))
      << out;
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(static_cast<int>(auth.starts.size()), C2sSession::kMaxAuthFailures);
}

TEST_F(SessionTest, PipelinedHeaderAfterAuthIsHeldUntilSuccess) {
  openSecure();
  auth.deferred = true;
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice) + header() + bindIq("phone"));
  EXPECT_EQ(transport.take(), "");  // nothing interpreted while auth is in flight
  EXPECT_TRUE(router.bound.empty());
  ASSERT_EQ(auth.pending.size(), 1u);
  auth.completeNext();
  const std::string out = transport.take();
  EXPECT_TRUE(
      out.starts_with("<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>"
                      "<?xml version='1.0'?><stream:stream"))
      << out;
  EXPECT_THAT(out, HasSubstr("<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/>"));
  EXPECT_THAT(out, HasSubstr("<jid>alice@example.com/phone</jid>"));
  ASSERT_EQ(router.bound.size(), 1u);
  EXPECT_EQ(session->fullJid(), "alice@example.com/phone");
}

TEST_F(SessionTest, BytesArrivingDuringAuthAreHeldAndFedAfterAFailure) {
  openSecure();
  auth.deferred = true;
  auth.sasl.push_back({kOk, FakeAuth::failure("not-authorized")});
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feedBytewise(plainAuth(kPlainAlice));  // a retry, pipelined while the first is in flight
  EXPECT_EQ(auth.starts.size(), 1u);
  auth.completeNext();
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><not-authorized/></failure>");
  ASSERT_EQ(auth.starts.size(), 2u);  // the held retry was parsed on the same stream
  auth.completeNext();
  EXPECT_EQ(transport.take(), "<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>");
  feed(header());
  feed(bindIq("x"));
  EXPECT_TRUE(session->bound());
}

TEST_F(SessionTest, TooMuchInputDuringAuthIsAPolicyViolation) {
  config.maxPendingInputBytes = 64;
  openSecure();
  auth.deferred = true;
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feed(std::string(40, ' '));
  EXPECT_FALSE(session->closed());
  feed(std::string(40, ' '));
  EXPECT_TRUE(session->closed());
  EXPECT_THAT(transport.take(), HasSubstr("<policy-violation "));
  auth.completeNext();  // the late answer writes nothing
  EXPECT_EQ(transport.take(), "");
  EXPECT_EQ(transport.writesAfterClose, 0);
}

TEST_F(SessionTest, AnswerAfterTheSessionIsGoneIsIgnored) {
  openSecure();
  auth.deferred = true;
  feed(plainAuth(kPlainAlice));
  session.reset();
  auth.completeNext();  // must not touch the destroyed session
  EXPECT_EQ(transport.take(), "");
}

TEST_F(SessionTest, HeaderNamespaceDeclarationsSurviveAnAuthPause) {
  config.tlsRequired = false;
  start();
  feed(
      "<stream:stream to='example.com' xmlns='jabber:client' xmlns:x='urn:x' "
      "xmlns:stream='http://etherx.jabber.org/streams'>");
  auth.legacy.push_back({kOk, FakeAuth::legacyOk("alice")});
  feed(
      "<iq type='set' id='a'><query xmlns='jabber:iq:auth'><username>alice</username>"
      "<digest>00</digest><resource>r</resource></query></iq>"
      "<message to='bob@example.com'><x:data/></message>");
  ASSERT_TRUE(session->bound()) << transport.all;
  ASSERT_EQ(router.stanzas.size(), 1u);
  const v1::Element* data = stanza::firstChildElement(router.stanzas[0].stanza.element());
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->ns(), "urn:x");
  EXPECT_FALSE(session->closed());
}

// --- XEP-0078 ----------------------------------------------------------------------------

TEST_F(SessionTest, LegacyFieldsWithoutTlsOmitPassword) {
  openLegacy();
  auth.fields.push_back({kOk, FakeAuth::bothFields()});
  feed(
      "<iq type='get' id='l1' to='example.com'><query xmlns='jabber:iq:auth'>"
      "<username>a&amp;b</username></query></iq>");
  ASSERT_EQ(auth.fieldsRequests.size(), 1u);
  EXPECT_EQ(auth.fieldsRequests[0].username(), "a&b");
  EXPECT_EQ(transport.take(),
            "<iq type=\"result\" id=\"l1\" from=\"example.com\"><query xmlns=\"jabber:iq:auth\">"
            "<username>a&amp;b</username><digest/><resource/></query></iq>");
}

TEST_F(SessionTest, LegacyFieldsOnSecureStreamOfferPassword) {
  config.tlsRequired = false;
  openSecure();
  auth.fields.push_back({kOk, FakeAuth::bothFields()});
  feed("<iq type='get' id='l1'><query xmlns='jabber:iq:auth'/></iq>");
  EXPECT_EQ(transport.take(),
            "<iq type=\"result\" id=\"l1\"><query xmlns=\"jabber:iq:auth\"><username></username>"
            "<password/><digest/><resource/></query></iq>");
}

TEST_F(SessionTest, LegacyDigestLoginBindsTheResource) {
  openLegacy();
  auth.legacy.push_back({kOk, FakeAuth::legacyOk("alice")});
  feed(
      "<iq type='set' id='l2'><query xmlns='jabber:iq:auth'><username>Alice</username>"
      "<digest>abcdef</digest><resource>Desk</resource></query></iq>");
  ASSERT_EQ(auth.legacyRequests.size(), 1u);
  EXPECT_EQ(auth.legacyRequests[0].username(), "Alice");
  EXPECT_EQ(auth.legacyRequests[0].digest(), "abcdef");
  EXPECT_EQ(auth.legacyRequests[0].password(), "");
  EXPECT_EQ(auth.legacyRequests[0].session().stream_id(), "s1d");
  EXPECT_FALSE(auth.legacyRequests[0].session().tls());
  EXPECT_EQ(transport.take(), "<iq type=\"result\" id=\"l2\"/>");
  EXPECT_TRUE(session->bound());
  EXPECT_EQ(session->fullJid(), "alice@example.com/Desk");
  ASSERT_EQ(router.bound.size(), 1u);
  EXPECT_EQ(router.bound[0].full_jid(), "alice@example.com/Desk");
  EXPECT_EQ(router.bound[0].session_id(), "gw1/7");
  EXPECT_EQ(router.bound[0].gateway_id(), "gw1");
  EXPECT_FALSE(router.bound[0].available());
}

TEST_F(SessionTest, LegacyPasswordNeedsTls) {
  openLegacy();
  feed(
      "<iq type='set' id='l3'><query xmlns='jabber:iq:auth'><username>alice</username>"
      "<password>s3cret</password><resource>r</resource></query></iq>");
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("<error code=\"406\" type=\"modify\"><not-acceptable "));
  EXPECT_THAT(out, Not(HasSubstr("s3cret")));
  EXPECT_EQ(auth.calls(), 0);
}

TEST_F(SessionTest, LegacyPasswordOverTls) {
  config.tlsRequired = false;
  openSecure();
  auth.legacy.push_back({kOk, FakeAuth::legacyOk("alice")});
  feed(
      "<iq type='set' id='l3'><query xmlns='jabber:iq:auth'><username>alice</username>"
      "<password>s3cret</password><resource>r</resource></query></iq>");
  ASSERT_EQ(auth.legacyRequests.size(), 1u);
  EXPECT_EQ(auth.legacyRequests[0].password(), "s3cret");
  EXPECT_TRUE(session->bound());
}

TEST_F(SessionTest, LegacyFailures) {
  openLegacy();
  auth.legacy.push_back({kOk, FakeAuth::legacyFailed("not-authorized")});
  auth.legacy.push_back({kOk, FakeAuth::legacyFailed("temporary-auth-failure")});
  const std::string set =
      "<iq type='set' id='f'><query xmlns='jabber:iq:auth'><username>alice</username>"
      "<digest>00</digest><resource>r</resource></query></iq>";
  feed(set);
  EXPECT_EQ(transport.take(),
            "<iq type=\"error\" id=\"f\"><error code=\"401\" type=\"auth\"><not-authorized "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>");
  feed(set);
  EXPECT_EQ(transport.take(),
            "<iq type=\"error\" id=\"f\"><error code=\"500\" type=\"wait\"><resource-constraint "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>");
  feed(
      "<iq type='set' id='m'><query xmlns='jabber:iq:auth'><username>alice</username>"
      "<digest>00</digest></query></iq>");
  EXPECT_EQ(transport.take(),
            "<iq type=\"error\" id=\"m\"><error code=\"406\" type=\"modify\"><not-acceptable "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>");
  EXPECT_EQ(auth.legacyRequests.size(), 2u);
  EXPECT_FALSE(session->bound());
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, LegacyAuthDisabledOrTlsRequired) {
  config.legacyAuth = false;
  openLegacy();
  feed("<iq type='get' id='x'><query xmlns='jabber:iq:auth'/></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<service-unavailable "));

  config.legacyAuth = true;
  config.tlsRequired = true;
  start();
  feed(header("example.com", ""));
  transport.take();
  feed("<iq type='get' id='x'><query xmlns='jabber:iq:auth'/></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<not-acceptable "));
  EXPECT_EQ(auth.calls(), 0);
}

// --- XEP-0077 ----------------------------------------------------------------------------

TEST_F(SessionTest, RegistrationFormAndOutcomes) {
  config.registration = true;
  openSecure();
  feed("<iq type='get' id='r1'><query xmlns='jabber:iq:register'/></iq>");
  EXPECT_EQ(transport.take(),
            "<iq type=\"result\" id=\"r1\"><query xmlns=\"jabber:iq:register\"><instructions>"
            "Choose a username and password.</instructions><username/><password/></query></iq>");

  auth.registrations.push_back({grpc::Status(grpc::StatusCode::ALREADY_EXISTS, ""), {}});
  auth.registrations.push_back({grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, ""), {}});
  auth.registrations.push_back({grpc::Status(grpc::StatusCode::PERMISSION_DENIED, ""), {}});
  auth.registrations.push_back({kOk, {}});
  const std::string set =
      "<iq type='set' id='r2'><query xmlns='jabber:iq:register'><username>bob</username>"
      "<password>pw</password></query></iq>";
  feed(set);
  EXPECT_THAT(transport.take(), HasSubstr("<error code=\"409\" type=\"cancel\"><conflict "));
  feed(set);
  EXPECT_THAT(transport.take(), HasSubstr("<error code=\"406\" type=\"modify\"><not-acceptable "));
  feed(set);
  EXPECT_THAT(transport.take(), HasSubstr("<error code=\"405\" type=\"cancel\"><not-allowed "));
  feed(set);
  EXPECT_EQ(transport.take(), "<iq type=\"result\" id=\"r2\"/>");
  ASSERT_EQ(auth.registerRequests.size(), 4u);
  EXPECT_EQ(auth.registerRequests[3].username(), "bob");
  EXPECT_EQ(auth.registerRequests[3].password(), "pw");
  EXPECT_EQ(auth.registerRequests[3].session().source_address(), "192.0.2.7");
  feed(set);  // one account per stream
  EXPECT_THAT(transport.take(), HasSubstr("<not-allowed "));
  EXPECT_EQ(auth.registerRequests.size(), 4u);
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, RegistrationDisabled) {
  openSecure();
  feed("<iq type='get' id='r1'><query xmlns='jabber:iq:register'/></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<service-unavailable "));
}

TEST_F(SessionTest, RegistrationNeedsUsernameAndPassword) {
  config.registration = true;
  openSecure();
  feed(
      "<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>bob</username>"
      "</query></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<not-acceptable "));
  EXPECT_EQ(auth.calls(), 0);
}

// --- Binding -----------------------------------------------------------------------------

TEST_F(SessionTest, BindWithoutResourceGeneratesOne) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feed(header());
  transport.take();
  feed(bindIq(""));
  ASSERT_TRUE(session->bound());
  const std::string& full = session->fullJid();
  EXPECT_TRUE(full.starts_with("alice@example.com/")) << full;
  EXPECT_GT(full.size(), std::string("alice@example.com/").size() + 8);
  EXPECT_EQ(transport.take(),
            "<iq type=\"result\" id=\"b1\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><jid>" +
                full + "</jid></bind></iq>");
  EXPECT_EQ(router.bound.at(0).full_jid(), full);
}

TEST_F(SessionTest, BindErrors) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feed(header());
  transport.take();
  feed("<iq type='get' id='g'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<error code=\"400\" type=\"modify\"><bad-request "));
  feed(bindIq("\xEF\xBF\xBD", "bad"));  // U+FFFD: prohibited by resourceprep
  EXPECT_THAT(transport.take(), HasSubstr("id=\"bad\"><error code=\"400\" type=\"modify\">"
                                          "<bad-request "));
  EXPECT_FALSE(session->bound());
  feed(bindIq("ok"));
  EXPECT_TRUE(session->bound());
  transport.take();
  feed(bindIq("again", "b2"));
  EXPECT_THAT(transport.take(), HasSubstr("id=\"b2\"><error code=\"405\" type=\"cancel\">"
                                          "<not-allowed "));
  EXPECT_EQ(session->fullJid(), "alice@example.com/ok");
  EXPECT_EQ(router.bound.size(), 1u);
  EXPECT_TRUE(router.stanzas.empty());
}

TEST_F(SessionTest, SessionIqIsAnsweredLocally) {
  login();
  feed("<iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
  EXPECT_EQ(transport.take(), "<iq type=\"result\" id=\"s\"/>");
  EXPECT_TRUE(router.stanzas.empty());
}

// --- Before binding ----------------------------------------------------------------------

}  // namespace
}  // namespace xmpp::gateway

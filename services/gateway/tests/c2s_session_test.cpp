#include "c2s_session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "fakes.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::gateway {
namespace {

using testing::FakeAuth;
using testing::FakeRouter;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;

const grpc::Status kOk = grpc::Status::OK;

std::string b64(const std::string& s) {
  // Tiny independent encoder so tests do not trust the one under test.
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16 |
                 static_cast<unsigned char>(s[i + 1]) << 8 | static_cast<unsigned char>(s[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += a[v >> k & 63];
  }
  if (s.size() - i == 1) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    out += a[v >> 18 & 63];
    out += a[v >> 12 & 63];
    out += "==";
  } else if (s.size() - i == 2) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16 | static_cast<unsigned char>(s[i + 1]) << 8;
    out += a[v >> 18 & 63];
    out += a[v >> 12 & 63];
    out += a[v >> 6 & 63];
    out += '=';
  }
  return out;
}

const std::string kPlainAlice = b64(std::string("\0alice\0secret", 13));

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() { config.domain = "example.com"; }

  void start() {
    session = std::make_unique<C2sSession>(transport, auth, router, config, "gw1/7", "s1d");
  }
  void feed(std::string_view bytes) { session->onBytes(bytes); }
  void feedBytewise(std::string_view bytes) {
    for (char c : bytes) session->onBytes(std::string_view(&c, 1));
  }
  static std::string header(std::string_view to = "example.com", std::string_view version = "1.0") {
    std::string h = "<stream:stream to='" + std::string(to) +
                    "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";
    if (!version.empty()) h += " version='" + std::string(version) + "'";
    return h + ">";
  }
  static std::string plainAuth(const std::string& payload) {
    return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + payload +
           "</auth>";
  }
  static std::string bindIq(std::string_view resource, std::string_view id = "b1") {
    std::string inner =
        resource.empty() ? "" : "<resource>" + std::string(resource) + "</resource>";
    return "<iq type='set' id='" + std::string(id) +
           "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>" + inner + "</bind></iq>";
  }

  // A secure stream, opened, features read.
  void openSecure() {
    transport.isSecure = true;
    start();
    feed(header());
    transport.take();
  }
  // Authenticated with SASL PLAIN, restarted, bound.
  void login(const std::string& user = "alice", std::string_view resource = "home") {
    openSecure();
    auth.sasl.push_back({kOk, FakeAuth::success(user)});
    feed(plainAuth(kPlainAlice));
    feed(header());
    feed(bindIq(resource));
    ASSERT_TRUE(session->bound()) << transport.all;
    transport.take();
  }
  // Stream open on an insecure connection with legacy auth allowed.
  void openLegacy(std::string_view version = "") {
    config.tlsRequired = false;
    start();
    feed(header("example.com", version));
    transport.take();
  }

  SessionConfig config;
  FakeTransport transport;
  FakeAuth auth;
  FakeRouter router;
  std::unique_ptr<C2sSession> session;
};

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

TEST_F(SessionTest, MessageBeforeAuthIsNotAuthorized) {
  openSecure();
  feed("<message to='bob@example.com'><body>hi</body></message>");
  EXPECT_TRUE(transport.take().ends_with(
      "<stream:error><not-authorized xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
      "</stream:error></stream:stream>"));
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_TRUE(router.stanzas.empty());
}

TEST_F(SessionTest, RosterGetAfterSaslButBeforeBindIsNotAuthorized) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  feed(plainAuth(kPlainAlice));
  feed(header());
  transport.take();
  feed("<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<not-authorized "));
  EXPECT_TRUE(session->closed());
  EXPECT_TRUE(router.events.empty());
}

// --- Bound stream ------------------------------------------------------------------------

TEST_F(SessionTest, ForgedFromIsOverwritten) {
  login();
  feed(
      "<message from='mallory@evil.example/x' to='bob@example.com' id='m1' type='chat' "
      "xml:lang='de'><body>hi</body></message>");
  ASSERT_EQ(router.stanzas.size(), 1u);
  const auto& r = router.stanzas[0];
  EXPECT_EQ(r.sessionId, "gw1/7");
  EXPECT_EQ(r.bareJid, "alice@example.com");
  EXPECT_EQ(r.stanza.kind(), v1::STANZA_KIND_MESSAGE);
  EXPECT_EQ(r.stanza.from(), "alice@example.com/home");
  EXPECT_EQ(r.stanza.to(), "bob@example.com");
  EXPECT_EQ(r.stanza.id(), "m1");
  EXPECT_EQ(r.stanza.type(), "chat");
  EXPECT_EQ(r.stanza.lang(), "de");
  EXPECT_EQ(stanza::childText(r.stanza.element(), "body", "jabber:client"), "hi");
  EXPECT_EQ(transport.take(), "");
}

TEST_F(SessionTest, MalformedToIsBouncedNotForwarded) {
  login();
  feed("<message to='bad@@example.com' id='m2'><body>x</body></message>");
  EXPECT_EQ(transport.take(),
            "<message type=\"error\" id=\"m2\"><error code=\"400\" type=\"modify\"><jid-malformed "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></message>");
  feed("<message to='bad@@example.com' type='error' id='m3'/>");  // never answer an error
  EXPECT_EQ(transport.take(), "");
  EXPECT_TRUE(router.stanzas.empty());
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, AddressesArePreparedForTheRouter) {
  login();
  feed("<iq to='Bob@EXAMPLE.com/Phone' type='get' id='v'><query xmlns='jabber:iq:version'/></iq>");
  ASSERT_EQ(router.stanzas.size(), 1u);
  EXPECT_EQ(router.stanzas[0].stanza.to(), "bob@example.com/Phone");
}

TEST_F(SessionTest, BroadcastPresenceUpdatesTheSession) {
  login();
  feed("<presence><priority> 5 </priority><show>away</show></presence>");
  ASSERT_EQ(router.updated.size(), 1u);
  const v1::SessionInfo& up = router.updated[0];
  EXPECT_TRUE(up.available());
  EXPECT_EQ(up.priority(), 5);
  EXPECT_EQ(up.full_jid(), "alice@example.com/home");
  EXPECT_EQ(up.presence().from(), "alice@example.com/home");
  EXPECT_EQ(stanza::childText(up.presence().element(), "show", "jabber:client"), "away");
  ASSERT_EQ(router.stanzas.size(), 1u);
  EXPECT_EQ(router.events, (std::vector<std::string>{"bound", "updated", "stanza"}));

  feed("<presence><priority>-128</priority></presence>");
  EXPECT_EQ(router.updated.back().priority(), -128);
  feed("<presence><priority>300</priority></presence>");
  EXPECT_THAT(transport.take(), HasSubstr("<presence type=\"error\"><error code=\"400\" "
                                          "type=\"modify\"><bad-request "));
  EXPECT_EQ(router.updated.size(), 2u);
  EXPECT_EQ(router.stanzas.size(), 2u);

  feed("<presence to='bob@example.com'/>");  // directed: no session change
  EXPECT_EQ(router.updated.size(), 2u);
  EXPECT_EQ(router.stanzas.size(), 3u);

  feed("<presence type='unavailable'/>");
  ASSERT_EQ(router.updated.size(), 3u);
  EXPECT_FALSE(router.updated.back().available());
  EXPECT_FALSE(router.updated.back().has_presence());
  EXPECT_EQ(router.stanzas.size(), 4u);
}

TEST_F(SessionTest, RosterGetMarksTheSessionInterestedOnce) {
  login();
  feed("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
  ASSERT_EQ(router.updated.size(), 1u);
  EXPECT_TRUE(router.updated[0].interested());
  EXPECT_EQ(router.events, (std::vector<std::string>{"bound", "updated", "stanza"}));
  EXPECT_EQ(router.stanzas[0].stanza.id(), "r1");
  feed("<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_EQ(router.updated.size(), 1u);
  EXPECT_EQ(router.stanzas.size(), 2u);
}

TEST_F(SessionTest, InBandRegistrationAfterLoginIsForwarded) {
  login();
  feed(
      "<iq type='set' id='p'><query xmlns='jabber:iq:register'><username>alice</username>"
      "<password>new</password></query></iq>");
  ASSERT_EQ(router.stanzas.size(), 1u);
  EXPECT_EQ(auth.registerRequests.size(), 0u);
}

TEST_F(SessionTest, UnknownTopLevelElementIsUnsupportedStanzaType) {
  login();
  feed("<foo/>");
  EXPECT_THAT(transport.take(), HasSubstr("<unsupported-stanza-type "));
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, StreamManagementIsRefused) {
  login();
  feed("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
  EXPECT_EQ(transport.take(),
            "<failed xmlns=\"urn:xmpp:sm:3\"><feature-not-implemented "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></failed>");
  EXPECT_FALSE(session->closed());
  feed("<x xmlns='urn:other'/>");
  EXPECT_THAT(transport.take(), HasSubstr("<unsupported-stanza-type "));
}

// --- Hostile input -----------------------------------------------------------------------

TEST_F(SessionTest, BrokenXmlIsNotWellFormed) {
  login();
  feed("<message><body></message>");
  EXPECT_TRUE(transport.take().ends_with(
      "<stream:error><not-well-formed xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
      "</stream:error></stream:stream>"));
  EXPECT_EQ(transport.closeCalls, 1);
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_EQ(router.ended[0].full_jid(), "alice@example.com/home");
  EXPECT_EQ(router.ended[0].session_id(), "gw1/7");
  EXPECT_TRUE(router.stanzas.empty());
}

TEST_F(SessionTest, BillionLaughsIsRestrictedXml) {
  start();
  feed(
      "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
      "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]>"
      "<stream:stream to='example.com' xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>&lol2;");
  const std::string out = transport.take();
  EXPECT_TRUE(out.starts_with("<?xml version='1.0'?><stream:stream ")) << out;  // §4.9.1.1
  EXPECT_TRUE(
      out.ends_with("<stream:error><restricted-xml "
                    "xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></stream:error>"
                    "</stream:stream>"))
      << out;
  EXPECT_EQ(transport.closeCalls, 1);
}

TEST_F(SessionTest, NothingIsReadAfterAStreamError) {
  login();
  feed("<foo/><message to='bob@example.com'/>");
  EXPECT_TRUE(router.stanzas.empty());
  feed("<message to='bob@example.com'/>");
  EXPECT_TRUE(router.stanzas.empty());
  EXPECT_EQ(transport.writesAfterClose, 0);
}

// --- Endings -----------------------------------------------------------------------------

TEST_F(SessionTest, ClientClosesTheStream) {
  login();
  feed("<presence/></stream:stream>");
  EXPECT_EQ(transport.take(), "</stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_TRUE(router.ended[0].was_available());
  session->onTransportClosed();
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, CloseWithErrorConflict) {
  login();
  session->closeWithError("conflict", "Replaced by a new session");
  EXPECT_EQ(transport.take(),
            "<stream:error><conflict xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/><text "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\">Replaced by a new session</text>"
            "</stream:error></stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
  session->closeWithError("conflict", "");
  session->onTransportClosed();
  EXPECT_EQ(router.ended.size(), 1u);
  EXPECT_EQ(transport.closeCalls, 1);
}

TEST_F(SessionTest, UnknownCloseConditionIsUndefined) {
  login();
  session->closeWithError("made-up", "");
  EXPECT_THAT(transport.take(), HasSubstr("<undefined-condition "));
}

TEST_F(SessionTest, IdleTimeout) {
  login();
  session->onIdleTimeout();
  EXPECT_EQ(transport.take(),
            "<stream:error><connection-timeout xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
            "</stream:error></stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, IdleTimeoutBeforeTheHeaderSendsOurHeaderFirst) {
  start();
  session->onIdleTimeout();
  const std::string out = transport.take();
  EXPECT_TRUE(out.starts_with("<?xml version='1.0'?><stream:stream ")) << out;
  EXPECT_THAT(out, HasSubstr("<connection-timeout "));
  EXPECT_TRUE(router.ended.empty());  // never bound
}

TEST_F(SessionTest, Shutdown) {
  login();
  session->shutdown();
  EXPECT_EQ(transport.take(),
            "<stream:error><system-shutdown xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
            "</stream:error></stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, TransportClosedReportsSessionEndedExactlyOnce) {
  login();
  feed("<presence/>");
  session->onTransportClosed();
  session->onTransportClosed();
  ASSERT_EQ(router.ended.size(), 1u);
  EXPECT_TRUE(router.ended[0].was_available());
  const int writes = transport.writes;
  v1::Stanza m;
  m.set_kind(v1::STANZA_KIND_MESSAGE);
  m.mutable_element()->set_name("message");
  m.mutable_element()->set_ns("jabber:client");
  session->deliver(m);
  session->shutdown();
  feed("<presence/>");
  EXPECT_EQ(transport.writes, writes);
  EXPECT_EQ(transport.closeCalls, 0);
}

TEST_F(SessionTest, TransportClosedBeforeBindReportsNothing) {
  openSecure();
  session->onTransportClosed();
  EXPECT_TRUE(router.events.empty());
}

TEST_F(SessionTest, SendQueueOverflowEndsTheSessionQuietly) {
  login();
  const int writes = transport.writes;
  session->onSendQueueOverflow();
  EXPECT_EQ(router.ended.size(), 1u);
  EXPECT_EQ(transport.writes, writes);
  EXPECT_EQ(transport.closeCalls, 0);  // the transport closes itself
  session->onTransportClosed();
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, StreamManagementBeforeBindIsAnUnexpectedRequest) {
  openSecure();
  feed("<enable xmlns='urn:xmpp:sm:3'/>");
  EXPECT_EQ(transport.take(),
            "<failed xmlns=\"urn:xmpp:sm:3\"><unexpected-request "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></failed>");
  EXPECT_FALSE(session->closed());
}

TEST_F(SessionTest, SaslAfterAuthenticationIsRefused) {
  login();
  feed(plainAuth(kPlainAlice));
  EXPECT_THAT(transport.take(), HasSubstr("<unsupported-stanza-type "));
  EXPECT_EQ(auth.calls(), 1);
}

TEST_F(SessionTest, StarttlsAfterLoginFails) {
  config.tlsRequired = false;
  openLegacy();
  auth.legacy.push_back({kOk, FakeAuth::legacyOk("alice")});
  feed(
      "<iq type='set' id='l'><query xmlns='jabber:iq:auth'><username>alice</username>"
      "<digest>00</digest><resource>r</resource></query></iq>");
  ASSERT_TRUE(session->bound());
  transport.take();
  feed("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  EXPECT_EQ(transport.take(),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/></stream:stream>");
  EXPECT_EQ(transport.startTlsCalls, 0);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, ClientStreamErrorClosesTheStream) {
  login();
  feed("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  EXPECT_EQ(transport.take(), "</stream:stream>");
  EXPECT_EQ(transport.closeCalls, 1);
  EXPECT_EQ(router.ended.size(), 1u);
}

TEST_F(SessionTest, NegotiationIqToAnotherAddressIsNotAuthorized) {
  config.registration = true;
  openSecure();
  feed("<iq type='get' id='r' to='other.example'><query xmlns='jabber:iq:register'/></iq>");
  EXPECT_THAT(transport.take(), HasSubstr("<not-authorized "));
  EXPECT_TRUE(session->closed());
}

TEST_F(SessionTest, PresencePriorityWithPlusSign) {
  login();
  feed("<presence><priority>+7</priority></presence>");
  ASSERT_EQ(router.updated.size(), 1u);
  EXPECT_EQ(router.updated[0].priority(), 7);
}

TEST_F(SessionTest, TlsHandshakeFailureEndsQuietly) {
  start();
  feed(header());
  feed("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  transport.take();
  session->shutdown();  // nothing plaintext may be written mid-handshake
  EXPECT_EQ(transport.take(), "");
  EXPECT_EQ(transport.closeCalls, 1);
  session->onTransportClosed();
  EXPECT_TRUE(router.events.empty());
}

// --- Deliveries --------------------------------------------------------------------------

v1::Stanza chat(const std::string& body) {
  v1::Stanza m;
  m.set_kind(v1::STANZA_KIND_MESSAGE);
  m.set_from("bob@example.com/pc");
  m.set_to("alice@example.com/home");
  m.set_type("chat");
  m.mutable_element()->set_name("message");
  m.mutable_element()->set_ns("jabber:client");
  stanza::addTextChild(*m.mutable_element(), "body", "jabber:client", body);
  return m;
}

TEST_F(SessionTest, DeliverWritesTheStanza) {
  login();
  session->deliver(chat("a<b"));
  EXPECT_EQ(transport.take(),
            "<message from=\"bob@example.com/pc\" to=\"alice@example.com/home\" type=\"chat\">"
            "<body>a&lt;b</body></message>");
}

TEST_F(SessionTest, DeliverOfflineAcksOnceWritten) {
  login();
  v1::Delivery d;
  *d.mutable_stanza() = chat("stored");
  d.set_offline_id(42);
  d.set_offline_user("alice@example.com");
  session->deliverOffline(d);
  EXPECT_THAT(transport.take(), HasSubstr("<body>stored</body>"));
  ASSERT_EQ(router.acks.size(), 1u);
  EXPECT_EQ(router.acks[0].first, "alice@example.com");
  EXPECT_EQ(router.acks[0].second, std::vector<int64_t>{42});

  d.set_offline_id(0);  // not an offline message: nothing to ack
  session->deliverOffline(d);
  EXPECT_EQ(router.acks.size(), 1u);

  d.set_offline_id(43);
  session->onTransportClosed();
  session->deliverOffline(d);  // not written: stays offline
  EXPECT_EQ(router.acks.size(), 1u);
}

}  // namespace
}  // namespace xmpp::gateway

namespace xmpp::gateway {
namespace {

// What the operator sees: every stream error and failed login, with peer and condition.
class RecordingEvents final : public SessionEvents {
 public:
  void streamError(const Peer& peer, std::string_view condition, std::string_view,
                   bool fromClient) override {
    lines.push_back(std::string(fromClient ? "client-error " : "error ") + std::string(condition) +
                    " " + std::string(peer.sessionId) + " " + std::string(peer.address));
  }
  void authFailed(const Peer& peer, std::string_view mechanism,
                  std::string_view condition) override {
    lines.push_back("auth " + std::string(mechanism) + " " + std::string(condition) + " " +
                    std::string(peer.address));
  }
  std::vector<std::string> lines;
};

class ReportingTest : public SessionTest {
 protected:
  ReportingTest() { config.events = &events; }
  RecordingEvents events;
};

TEST_F(ReportingTest, FailedLoginsAndStreamErrorsAreReportedWithThePeer) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::failure("not-authorized")});
  feed(plainAuth(kPlainAlice));
  feed("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-MADE-UP'>AA==</auth>");
  feed("<broken");
  feed("<a></b>");
  const std::string peer = transport.remoteAddress();
  EXPECT_THAT(events.lines, ::testing::ElementsAre("auth PLAIN not-authorized " + peer,
                                                   "auth unknown invalid-mechanism " + peer,
                                                   "error not-well-formed gw1/7 " + peer));
}

TEST_F(ReportingTest, AStreamErrorFromTheClientIsReportedToo) {
  openSecure();
  feed(
      "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error>");
  EXPECT_THAT(events.lines, ::testing::ElementsAre("client-error policy-violation gw1/7 " +
                                                   transport.remoteAddress()));
}

TEST_F(SessionTest, EveryRestartHasANewStreamIdAndWhitespaceBeforeItsHeaderIsIgnored) {
  openSecure();
  auth.sasl.push_back({kOk, FakeAuth::success("alice")});
  // go-sendxmpp: "</auth>\n<?xml version='1.0'?><stream:stream ...>"
  feed(plainAuth(kPlainAlice) + "\n<?xml version='1.0'?>" + header());
  const std::string out = transport.take();
  EXPECT_THAT(out, HasSubstr("<success"));
  EXPECT_THAT(out, HasSubstr("<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/>"));
  EXPECT_THAT(out, Not(HasSubstr("id='s1d'")));  // RFC 6120 §4.7.3: not the first id
  EXPECT_THAT(out, HasSubstr(" id='"));
  EXPECT_FALSE(session->closed());
}

}  // namespace
}  // namespace xmpp::gateway

namespace xmpp::gateway {
namespace {

TEST_F(SessionTest, SilentBoundClientsGetAServerPingWhoseAnswerIsNotRouted) {
  login();
  router.events.clear();
  session->onSilence();
  EXPECT_EQ(transport.take(),
            "<iq type=\"get\" id=\"s2c-ping-1\" from=\"example.com\" "
            "to=\"alice@example.com/home\"><ping xmlns=\"urn:xmpp:ping\"/></iq>");
  feed("<iq type='result' id='s2c-ping-1' to='example.com'/>");
  EXPECT_TRUE(router.events.empty());
  // A later result with the same id is the client's business: routed.
  feed("<iq type='result' id='s2c-ping-1' to='example.com'/>");
  EXPECT_EQ(router.events.size(), 1u);
}

TEST_F(SessionTest, BeforeBindingOrWhenDisabledSilenceGetsWhitespace) {
  openSecure();
  session->onSilence();
  EXPECT_EQ(transport.take(), " ");
  config.serverPings = false;
  login();
  session->onSilence();
  EXPECT_EQ(transport.take(), " ");
}

}  // namespace
}  // namespace xmpp::gateway

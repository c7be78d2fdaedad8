// Replays the recorded client transcripts (tests/data/transcripts) against a C2sSession and
// checks that every recorded server answer has a reply of the same shape, and that what
// the session forwards to the router is the client's stanza, `from` stamped.

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <regex>

#include "c2s_session.hpp"
#include "fakes.hpp"
#include "server_stream.hpp"
#include "xmpp/stanza/codec.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/testing/transcripts.hpp"

namespace xmpp::gateway {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::FakeAuth;
using testing::FakeRouter;
using testing::FakeTransport;
using testing::ServerEvent;
using testing::ServerStreamReader;
using Kind = ServerEvent::Kind;

const grpc::Status kOk = grpc::Status::OK;

xmpp::testing::Transcript load(const std::string& name) {
  return xmpp::testing::loadTranscript(xmpp::testing::transcriptsDir() + "/" + name);
}

// A recorded top-level element, parsed inside the client stream's default namespace.
struct Recorded {
  explicit Recorded(const std::string& text) {
    const std::string wrapped = "<w xmlns='jabber:client'>" + text + "</w>";
    ok = doc.load_string(wrapped.c_str());
  }
  xml::Element element() const { return doc.document_element().first_child(); }
  xml::Document doc;
  bool ok = false;
};

struct Harness {
  explicit Harness(SessionConfig c, std::string streamId = "a7747277") : config(std::move(c)) {
    session =
        std::make_unique<C2sSession>(transport, auth, router, config, "gw1/1", std::move(streamId));
    router.confirmBinds = session.get();  // the router binds at once
  }

  // Feeds one client block in chunks of `chunk` bytes (0: at once), then plays the
  // transport's part: a requested TLS handshake succeeds.
  void client(std::string_view text, size_t chunk) {
    if (chunk == 0) chunk = text.size();
    for (size_t i = 0; i < text.size(); i += chunk) session->onBytes(text.substr(i, chunk));
    if (transport.startTlsCalls > tlsDone) {
      ++tlsDone;
      transport.isSecure = true;
      session->onTlsEstablished();
    }
    collect();
  }
  void collect() {
    for (auto& e : reader.feed(transport.take())) ours.push_back(std::move(e));
  }
  bool forwarded(std::string_view id) const {
    for (const auto& r : router.stanzas) {
      if (r.stanza.id() == id) return true;
    }
    return false;
  }

  SessionConfig config;
  FakeTransport transport;
  FakeAuth auth;
  FakeRouter router;
  std::unique_ptr<C2sSession> session;
  ServerStreamReader reader;
  std::deque<ServerEvent> ours;
  int tlsDone = 0;
};

// Feeds every client block of `t`; each server block must be matched by the session's
// output of the same shape, except answers to stanzas the session forwarded: those are the
// router's, so they are delivered as the router would and must then be written. Returns
// how many recorded server events were compared.
int replay(const xmpp::testing::Transcript& t, Harness& h, size_t chunk) {
  int compared = 0;
  ServerStreamReader recorded;
  bool recordedAnswers = false;
  for (const auto& block : t.blocks) {
    if (block.direction == 'C') {
      h.client(block.text, chunk);
      continue;
    }
    recordedAnswers = true;
    for (const ServerEvent& expected : recorded.feed(block.text)) {
      if (expected.kind == Kind::kError) {
        ADD_FAILURE() << t.name << ": " << expected.error;
        return compared;
      }
      const bool expectFeatures = expected.kind == Kind::kElement && expected.name() == "features";
      // A pre-1.0 server sent no features; ours does to a client that announced 1.0.
      while (!expectFeatures && !h.ours.empty() && h.ours.front().kind == Kind::kElement &&
             h.ours.front().name() == "features") {
        h.ours.pop_front();
      }
      if (h.ours.empty() && expected.kind == Kind::kElement &&
          h.forwarded(expected.element().attribute("id").value())) {
        h.session->deliver(stanza::toProto(expected.element()));
        h.collect();
      }
      if (h.ours.empty()) {
        ADD_FAILURE() << t.name << ": no answer for " << expected.name();
        return compared;
      }
      ServerEvent got = std::move(h.ours.front());
      h.ours.pop_front();
      ++compared;
      if (got.kind != expected.kind) {
        ADD_FAILURE() << t.name << ": got " << got.name() << " expected " << expected.name();
        return compared;
      }
      if (expected.kind == Kind::kElement) {
        std::string why;
        EXPECT_TRUE(testing::hasShape(got.element(), expected.element(), &why))
            << t.name << ": " << why;
      }
    }
  }
  if (!recordedAnswers) return compared;  // the test checks the output itself
  for (const ServerEvent& rest : h.ours) {
    EXPECT_TRUE(rest.kind == Kind::kClose ||
                (rest.kind == Kind::kElement && rest.name() == "features"))
        << t.name << ": unexpected " << rest.name();
  }
  return compared;
}

// --- Spark (Smack): STARTTLS, SASL PLAIN, restart, bind, session ---------------------------

SessionConfig sparkConfig() {
  SessionConfig c;
  c.domain = "hp520";
  c.tlsRequired = false;  // the recorded server offered STARTTLS without <required/>
  c.registration = true;
  return c;
}

std::unique_ptr<Harness> replaySpark(size_t chunk) {
  auto h = std::make_unique<Harness>(sparkConfig());
  h->auth.sasl.push_back({kOk, FakeAuth::success("hxw")});
  // open, features, proceed, open, features, success, open, features, bind result, result
  EXPECT_EQ(replay(load("spark-login.xml"), *h, chunk), 10);
  return h;
}

TEST(TranscriptReplay, SparkLogin) {
  auto h = replaySpark(0);
  ASSERT_EQ(h->transport.startTlsCalls, 1);
  ASSERT_EQ(h->auth.starts.size(), 1u);
  EXPECT_EQ(h->auth.starts[0].mechanism(), "PLAIN");
  EXPECT_EQ(h->auth.starts[0].initial_response(), std::string("\0hxw\0"
                                                              "1",
                                                              6));
  EXPECT_TRUE(h->auth.starts[0].session().tls());
  EXPECT_TRUE(h->session->bound());
  EXPECT_EQ(h->session->fullJid(), "hxw@hp520/spark");
  EXPECT_NE(h->transport.all.find("<jid>hxw@hp520/spark</jid>"), std::string::npos);
  ASSERT_EQ(h->router.bound.size(), 1u);
  EXPECT_EQ(h->router.bound[0].full_jid(), "hxw@hp520/spark");
  EXPECT_TRUE(h->router.stanzas.empty());  // bind and session are the gateway's own
  EXPECT_FALSE(h->session->closed());
}

// Restarted streams get random ids (RFC 6120 §4.7.3): compare everything else.
std::string withoutStreamIds(std::string out) {
  static const std::regex kId("(<stream:stream [^>]*) id='[0-9a-f]+'");
  return std::regex_replace(out, kId, "$1 id='*'");
}

TEST(TranscriptReplay, SparkLoginAnyChunkingGivesTheSameOutput) {
  const auto whole = replaySpark(0);
  for (size_t chunk : {1, 2, 3, 5, 7, 13, 64}) {
    const auto h = replaySpark(chunk);
    EXPECT_EQ(withoutStreamIds(h->transport.all), withoutStreamIds(whole->transport.all))
        << "chunk " << chunk;
    EXPECT_EQ(h->router.events, whole->router.events) << "chunk " << chunk;
  }
}

TEST(TranscriptReplay, SparkPipelinedAfterTlsWithDeferredAuth) {
  // After TLS, the client sends header, <auth/>, the restart header, bind and session in one
  // burst, while the auth answer takes its time.
  const auto t = load("spark-login.xml");
  std::vector<std::string> client;
  for (const auto& b : t.blocks) {
    if (b.direction == 'C') client.push_back(b.text);
  }
  ASSERT_EQ(client.size(), 7u);
  Harness h(sparkConfig());
  h.auth.deferred = true;
  h.auth.sasl.push_back({kOk, FakeAuth::success("hxw")});
  h.client(client[0], 0);
  h.client(client[1], 0);
  ASSERT_EQ(h.tlsDone, 1);
  std::string burst;
  for (size_t i = 2; i < client.size(); ++i) burst += client[i];
  for (char c : burst) h.session->onBytes(std::string_view(&c, 1));
  ASSERT_EQ(h.auth.pending.size(), 1u);
  EXPECT_FALSE(h.session->bound());
  h.auth.completeNext();
  EXPECT_TRUE(h.session->bound());
  EXPECT_EQ(h.session->fullJid(), "hxw@hp520/spark");
  EXPECT_NE(h.transport.all.find("<iq type=\"result\" id=\"O193v-1\"/>"), std::string::npos);
}

// --- agsXMPP: XEP-0078 digest login, roster, presence ----------------------------------------

TEST(TranscriptReplay, AgsXmppLegacyAuth) {
  SessionConfig c;
  c.domain = "localhost";
  c.tlsRequired = false;
  Harness h(c, "30e3b8c0");
  // Secure (direct TLS): the recorded server offered <password/> as well as <digest/>.
  h.transport.isSecure = true;
  h.auth.fields.push_back({kOk, FakeAuth::bothFields()});
  h.auth.legacy.push_back({kOk, FakeAuth::legacyOk("test")});
  // open, legacy fields, legacy result, roster result (the router's, delivered)
  EXPECT_EQ(replay(load("agsxmpp-legacy-auth.xml"), h, 0), 4);

  ASSERT_EQ(h.auth.legacyRequests.size(), 1u);
  EXPECT_EQ(h.auth.legacyRequests[0].username(), "test");
  EXPECT_EQ(h.auth.legacyRequests[0].digest(), "e66557d2b67256bf7e9b317a51b6101674a56b5e");
  EXPECT_EQ(h.auth.legacyRequests[0].session().stream_id(), "30e3b8c0");
  EXPECT_EQ(h.session->fullJid(), "test@localhost/MiniClient");

  ASSERT_EQ(h.router.stanzas.size(), 2u);
  const v1::Stanza& roster = h.router.stanzas[0].stanza;
  EXPECT_EQ(roster.kind(), v1::STANZA_KIND_IQ);
  EXPECT_EQ(roster.id(), "agsXMPP_3");
  EXPECT_EQ(roster.from(), "test@localhost/MiniClient");
  EXPECT_EQ(h.router.stanzas[0].bareJid, "test@localhost");
  const v1::Stanza& presence = h.router.stanzas[1].stanza;
  EXPECT_EQ(presence.kind(), v1::STANZA_KIND_PRESENCE);
  EXPECT_EQ(presence.from(), "test@localhost/MiniClient");
  EXPECT_EQ(h.router.events,
            (std::vector<std::string>{"bound", "updated", "stanza", "updated", "stanza", "ended"}));
  EXPECT_TRUE(h.router.updated[0].interested());
  EXPECT_TRUE(h.router.updated[1].available());
  EXPECT_TRUE(h.router.ended[0].was_available());
  EXPECT_EQ(h.transport.closeCalls, 1);
}

// --- Android push client: legacy auth, roster, chat, custom extension, unavailable ----------

TEST(TranscriptReplay, AndroidClientSession) {
  SessionConfig c;
  c.domain = "192.168.1.112";
  c.tlsRequired = false;
  Harness h(c);
  h.auth.fields.push_back({kOk, FakeAuth::bothFields()});
  h.auth.legacy.push_back({kOk, FakeAuth::legacyOk("用户1")});
  const auto t = load("android-client-session.xml");
  EXPECT_EQ(replay(t, h, 0), 0);  // nothing of the server was recorded

  ASSERT_EQ(h.auth.legacyRequests.size(), 1u);
  EXPECT_EQ(h.auth.legacyRequests[0].digest(), "8614968860ee00a96eabedea3fdd3f5449547045");
  const std::string me = "用户1@192.168.1.112/AndroidPushClient";
  EXPECT_EQ(h.session->fullJid(), me);
  std::vector<std::string> written;
  for (const auto& e : h.ours) written.push_back(e.name());
  EXPECT_EQ(written,
            (std::vector<std::string>{"stream-open", "features", "iq", "iq", "stream-close"}));
  // Without TLS the legacy form does not offer <password/>.
  EXPECT_EQ(h.transport.all.find("<password/>"), std::string::npos);

  const auto stanzas = xmpp::testing::clientStanzas(t);
  ASSERT_EQ(stanzas.size(), 7u);
  ASSERT_EQ(h.router.stanzas.size(), 5u);  // all but the two jabber:iq:auth iqs
  for (size_t i = 0; i < 5; ++i) {
    const v1::Stanza& got = h.router.stanzas[i].stanza;
    EXPECT_EQ(got.from(), me) << i;
    Recorded rec(stanzas[i + 2]);
    ASSERT_TRUE(rec.ok);
    v1::Stanza want = stanza::toProto(rec.element());
    EXPECT_EQ(got.to(), want.to());
    EXPECT_EQ(got.id(), want.id());
    EXPECT_EQ(got.type(), want.type());
    EXPECT_TRUE(MessageDifferencer::Equals(got.element(), want.element()))
        << i << ": " << got.element().DebugString() << " vs " << want.element().DebugString();
  }
  // The forged from on the msgExtension message was replaced.
  EXPECT_EQ(h.router.stanzas[3].stanza.to(), "ooo@127.0.0.1/AndroidPushClient");
  EXPECT_NE(stanza::findChild(h.router.stanzas[3].stanza.element(), "msgExtension",
                              "http://jabber.org/protocol/msgExtension"),
            nullptr);
  ASSERT_EQ(h.router.updated.size(), 3u);
  EXPECT_TRUE(h.router.updated[0].interested());
  EXPECT_TRUE(h.router.updated[1].available());
  EXPECT_FALSE(h.router.updated[2].available());
  ASSERT_EQ(h.router.ended.size(), 1u);
  EXPECT_FALSE(h.router.ended[0].was_available());
  EXPECT_TRUE(h.transport.all.ends_with("</stream:stream>"));
}

// --- SI file transfer: iqs between full JIDs pass unchanged -----------------------------

TEST(TranscriptReplay, SiFileTransferIqsAreRoutedUnchanged) {
  SessionConfig c;
  c.domain = "localhost";
  Harness h(c);
  h.transport.isSecure = true;
  h.auth.sasl.push_back({kOk, FakeAuth::success("send")});
  const std::string header = xmpp::testing::clientStreamHeader("localhost");
  h.client(header, 0);
  h.client("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHNlbmQAcHc=</auth>",
           0);
  h.client(header, 0);
  h.client(
      "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
      "<resource>MiniClient</resource></bind></iq>",
      0);
  ASSERT_EQ(h.session->fullJid(), "send@localhost/MiniClient");
  h.transport.take();

  const auto t = load("si-file-transfer.xml");
  const auto stanzas = xmpp::testing::clientStanzas(t);
  ASSERT_EQ(stanzas.size(), 2u);
  for (const auto& s : stanzas) h.client(s, 0);
  ASSERT_EQ(h.router.stanzas.size(), 2u);
  for (size_t i = 0; i < stanzas.size(); ++i) {
    const v1::Stanza& got = h.router.stanzas[i].stanza;
    Recorded rec(stanzas[i]);
    ASSERT_TRUE(rec.ok);
    const v1::Stanza want = stanza::toProto(rec.element());
    EXPECT_EQ(got.from(), "send@localhost/MiniClient");
    EXPECT_EQ(got.to(), "receive@localhost/MiniClient");
    EXPECT_EQ(got.id(), want.id());
    EXPECT_EQ(got.type(), "set");
    EXPECT_TRUE(MessageDifferencer::Equals(got.element(), want.element())) << i;
  }
  EXPECT_EQ(h.transport.take(), "");

  // The receiver's answer, routed back: written as recorded.
  std::string answer;
  for (const auto& b : t.blocks) {
    if (b.direction == 'S') answer = b.text;
  }
  Recorded rec(answer);
  ASSERT_TRUE(rec.ok);
  h.session->deliver(stanza::toProto(rec.element()));
  Recorded written(h.transport.take());
  ASSERT_TRUE(written.ok);
  EXPECT_TRUE(xml::equivalent(written.element(), rec.element()));
}

}  // namespace
}  // namespace xmpp::gateway

#pragma once
// C2sSession test set-up shared by the session's test files: the fakes, a tiny independent
// base64 encoder, and a fixture that opens, authenticates and binds streams.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "c2s_session.hpp"
#include "fakes.hpp"
#include "xmpp/stanza/codec.hpp"
#include "xmpp/stanza/element.hpp"

namespace xmpp::gateway {

using ::testing::ElementsAre;
using testing::FakeAuth;
using testing::FakeRouter;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;

inline const grpc::Status kOk = grpc::Status::OK;

inline std::string b64(const std::string& s) {
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

/// A chat message from bob@example.com/pc to alice@example.com/home, as the router routes it.
inline v1::Stanza chat(const std::string& body) {
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

inline const std::string kPlainAlice = b64(std::string("\0alice\0secret", 13));

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() { config.domain = "example.com"; }

  void start() {
    session =
        std::make_unique<C2sSession>(transport, auth, router, config, "gw1/7", "s1d", *framing);
    if (confirmBinds) router.confirmBinds = session.get();
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
    transport.flushDelays.clear();  // the bind's own timer
  }
  // Stream open on an insecure connection with legacy auth allowed.
  void openLegacy(std::string_view version = "") {
    config.tlsRequired = false;
    start();
    feed(header("example.com", version));
    transport.take();
  }

  SessionConfig config;
  const Framing* framing = &tcpFraming();
  bool confirmBinds = true;  // the fake router answers binds at once
  FakeTransport transport;
  FakeAuth auth;
  FakeRouter router;
  std::unique_ptr<C2sSession> session;
};

}  // namespace xmpp::gateway

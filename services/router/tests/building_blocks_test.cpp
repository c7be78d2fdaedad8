// The pieces RouterCore is made of: error replies, routing rules, the local state tables and
// the in-memory directory.

#include <string>

#include "fixture.hpp"
#include "router_stanzas.hpp"
#include "routing_rules.hpp"
#include "session_state.hpp"
#include "stanza_errors.hpp"

namespace xmpp::router::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(StanzaErrorsTest, ReplySwapsAddressesKeepsIdAndPayload) {
  v1::Stanza iq = parseStanza(
      "<iq from='a@x/r' to='b@x/s' id='7' type='get' xml:lang='en'>"
      "<query xmlns='urn:q'/></iq>");
  auto reply = makeErrorReply(iq, errors::serviceUnavailable());
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(xmlOf(*reply),
            "<iq from=\"b@x/s\" to=\"a@x/r\" id=\"7\" type=\"error\" xml:lang=\"en\">"
            "<query xmlns=\"urn:q\"/><error type=\"cancel\"><service-unavailable "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>");
  EXPECT_EQ(reply->kind(), v1::STANZA_KIND_IQ);
}

TEST(StanzaErrorsTest, AnErrorIsNeverAnsweredWithAnError) {
  v1::Stanza e = parseStanza("<message from='a@x/r' to='b@x' type='error'/>");
  EXPECT_FALSE(makeErrorReply(e, errors::serviceUnavailable()).has_value());
}

TEST(StanzaErrorsTest, AnOldErrorElementIsNotCopied) {
  v1::Stanza m =
      parseStanza("<message from='a@x/r' to='b@x'><body>x</body><error type='cancel'/></message>");
  auto reply = makeErrorReply(m, errors::remoteServerNotFound());
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(xmlOf(*reply),
            "<message from=\"b@x\" to=\"a@x/r\" type=\"error\"><body>x</body>"
            "<error type=\"cancel\"><remote-server-not-found "
            "xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></message>");
}

TEST(StanzaErrorsTest, StatusesAndStoreErrorsMapToConditions) {
  // A gRPC status reaches the core as a BackendError (grpc_status.hpp), then a condition.
  auto fromStatus = [](const grpc::Status& s) { return fromBackendError(fromGrpc(s).error()); };
  EXPECT_TRUE(fromGrpc(grpc::Status::OK).has_value());
  EXPECT_EQ(fromStatus({grpc::StatusCode::UNAVAILABLE, "connect failed"}),
            (StanzaError{ErrorType::kWait, "service-unavailable", {}, {}, {}}));
  EXPECT_EQ(fromStatus({grpc::StatusCode::DEADLINE_EXCEEDED, ""}).type, ErrorType::kWait);
  EXPECT_EQ(fromStatus({grpc::StatusCode::INVALID_ARGUMENT, "jid-malformed"}),
            (StanzaError{ErrorType::kModify, "jid-malformed", {}, {}, {}}));
  EXPECT_EQ(fromStatus({grpc::StatusCode::FAILED_PRECONDITION, "not-allowed"}),
            (StanzaError{ErrorType::kCancel, "not-allowed", {}, {}, {}}));
  EXPECT_EQ(fromStatus({grpc::StatusCode::INTERNAL, "boom"}), errors::internalServerError());
  EXPECT_EQ(fromStoreError(storage::StoreError::kUnavailable).type, ErrorType::kWait);
  EXPECT_EQ(fromStoreError(storage::StoreError::kInternal), errors::internalServerError());
  EXPECT_EQ(stanzaError("made-up").condition, "undefined-condition");
  EXPECT_EQ(stanzaError("forbidden").type, ErrorType::kAuth);
}

TEST(RouterStanzasTest, PresencePriority) {
  auto priority = [](const std::string& text) {
    return presencePriority(parseStanza("<presence><priority>" + text + "</priority></presence>"));
  };
  EXPECT_EQ(presencePriority(parseStanza("<presence/>")), 0);
  EXPECT_EQ(priority("5"), 5);
  EXPECT_EQ(priority(" -3 "), -3);
  EXPECT_EQ(priority("+7"), 7);
  EXPECT_EQ(priority("1000"), 127);
  EXPECT_EQ(priority("-1000"), -128);
  EXPECT_EQ(priority("99999999999999999999"), 127);
  EXPECT_EQ(priority("abc"), 0);
  EXPECT_EQ(priority("5x"), 0);
}

v1::SessionInfo session(const std::string& resource, bool available, int priority,
                        const std::string& gateway = "gw") {
  v1::SessionInfo s;
  s.set_session_id(gateway + "/" + resource);
  s.set_gateway_id(gateway);
  s.set_full_jid("u@x/" + resource);
  s.set_available(available);
  s.set_priority(priority);
  return s;
}

std::vector<std::string> ids(const SessionList& list) {
  std::vector<std::string> out;
  for (const auto* s : list) out.push_back(s->session_id());
  return out;
}

TEST(RoutingRulesTest, MessageTargets) {
  SessionMap m = {{"a", session("a", true, 2)},
                  {"b", session("b", true, 2)},
                  {"c", session("c", true, 1)},
                  {"d", session("d", false, 9)},
                  {"e", session("e", true, -1)}};
  EXPECT_THAT(ids(messageTargets(m, MessageType::kChat)), ElementsAre("gw/a", "gw/b"));
  EXPECT_THAT(ids(messageTargets(m, MessageType::kNormal)), ElementsAre("gw/a"));
  EXPECT_THAT(ids(messageTargets(m, MessageType::kHeadline)), ElementsAre("gw/a", "gw/b", "gw/c"));
  EXPECT_THAT(messageTargets(m, MessageType::kGroupchat), IsEmpty());
  EXPECT_THAT(messageTargets(m, MessageType::kError), IsEmpty());
  SessionMap negative = {{"e", session("e", true, -1)}, {"f", session("f", false, 0)}};
  EXPECT_THAT(messageTargets(negative, MessageType::kChat), IsEmpty());
  EXPECT_THAT(ids(availableSessions(negative)), ElementsAre("gw/e"));
  EXPECT_EQ(messageType("weird"), MessageType::kNormal);
  EXPECT_EQ(messageType(""), MessageType::kNormal);
}

TEST(RoutingRulesTest, DeliverGroupedMakesOneDeliveryPerGateway) {
  auto a = session("a", true, 0, "g1");
  auto b = session("b", true, 0, "g2");
  auto c = session("c", true, 0, "g1");
  RecordingSink sink;
  v1::Stanza s = parseStanza("<message/>");
  EXPECT_EQ(deliverGrouped(sink, s, {&a, &b, &c, &a}, 42, "u@x"), 2u);
  auto commands = sink.commands();
  ASSERT_THAT(commands, SizeIs(2));
  EXPECT_EQ(commands[0].gateway, "g1");
  EXPECT_THAT(commands[0].delivery->session_ids(), ElementsAre("g1/a", "g1/c"));
  EXPECT_EQ(commands[0].delivery->offline_id(), 42);
  EXPECT_EQ(commands[0].delivery->offline_user(), "u@x");
  EXPECT_EQ(commands[1].gateway, "g2");
  EXPECT_EQ(deliverGrouped(sink, s, {}), 0u);
}

TEST(SessionTableTest, InitialPresenceOfflineTurnAndCapacity) {
  SessionTable t(2);
  t.add("s1", "gw", "a@x/1");
  EXPECT_TRUE(t.startPresence("s1", "a@x/1"));
  EXPECT_FALSE(t.startPresence("s1", "a@x/1"));
  t.endPresence("s1");
  EXPECT_TRUE(t.startPresence("s1", "a@x/1"));
  EXPECT_TRUE(t.takeOfflineTurn("s1"));
  EXPECT_FALSE(t.takeOfflineTurn("s1"));
  t.giveBackOfflineTurn("s1");
  EXPECT_TRUE(t.takeOfflineTurn("s1"));
  EXPECT_EQ(t.get("s1")->gatewayId, "gw");

  t.add("s2", "gw2", "b@x/1");
  t.add("s3", "gw2", "c@x/1");  // past capacity: not recorded
  EXPECT_EQ(t.size(), 2u);
  EXPECT_FALSE(t.get("s3").has_value());
  EXPECT_TRUE(t.startPresence("s3", "c@x/1"));  // unknown: always initial
  EXPECT_THAT(t.eraseGateway("gw2"), ElementsAre("s2"));
  EXPECT_TRUE(t.erase("s1"));
  EXPECT_FALSE(t.erase("s1"));
}

TEST(DirectedPresenceTableTest, BoundsAndForgetting) {
  DirectedPresenceTable t(2, 1);
  EXPECT_TRUE(t.add("s1", "a@x"));
  EXPECT_TRUE(t.add("s1", "a@x"));
  EXPECT_TRUE(t.add("s1", "b@x/r"));
  EXPECT_FALSE(t.add("s1", "c@x"));  // per-session bound
  EXPECT_FALSE(t.add("s2", "a@x"));  // session bound
  t.remove("s1", "a@x");
  EXPECT_THAT(t.peek("s1"), ElementsAre("b@x/r"));
  EXPECT_THAT(t.take("s1"), ElementsAre("b@x/r"));
  EXPECT_THAT(t.take("s1"), IsEmpty());
  EXPECT_EQ(t.sessions(), 0u);
}

TEST(InMemorySessionDirectoryTest, BindReplaceUpdateRemove) {
  InMemorySessionDirectory d;
  auto first = session("r", false, 0, "g1");
  auto second = session("r", true, 1, "g2");
  auto bound = d.bind("u@x", "r", first);
  ASSERT_TRUE(bound.has_value());
  EXPECT_FALSE(bound->has_value());
  auto replaced = d.bind("u@x", "r", second);
  ASSERT_TRUE(replaced.has_value() && replaced->has_value());
  EXPECT_EQ((*replaced)->session_id(), "g1/r");

  EXPECT_FALSE(d.update("u@x", "r", first).has_value());  // no longer bound
  second.set_priority(4);
  EXPECT_TRUE(d.update("u@x", "r", second).has_value());
  EXPECT_EQ(d.find("u@x", "r")->priority(), 4);

  EXPECT_FALSE(*d.remove("u@x", "r", "g1/r"));
  auto many = d.sessionsOf({"u@x", "nobody@x"});
  ASSERT_TRUE(many.has_value());
  EXPECT_EQ(many->size(), 1u);
  EXPECT_THAT(d.sessionsOnGateway("g2"), SizeIs(1));
  EXPECT_TRUE(*d.remove("u@x", "r", "g2/r"));
  EXPECT_TRUE(d.sessions("u@x")->empty());
  EXPECT_EQ(d.size(), 0u);
}

}  // namespace
}  // namespace xmpp::router::testing

// Offline messages (RFC 6121 §8.5.2, XEP-0160, XEP-0203), vCards (XEP-0054) and deleting a
// user's data.

#include <chrono>

#include "delay.hpp"
#include "fixture.hpp"
#include "offline_policy.hpp"
#include "xmpp/stanza/element.hpp"
#include "xmpp/xml/namespaces.hpp"

namespace xmpp::roster::testing {
namespace {

v1::Stanza chat(std::string_view body, std::string_view type = "chat") {
  v1::Stanza s;
  s.set_kind(v1::STANZA_KIND_MESSAGE);
  s.set_from("romeo@example.net/orchard");
  s.set_to(std::string(kJuliet));
  s.set_type(std::string(type));
  s.mutable_element()->set_name("message");
  s.mutable_element()->set_ns(std::string(ns::kClient));
  if (!body.empty()) stanza::addTextChild(*s.mutable_element(), "body", ns::kClient, body);
  return s;
}

std::string bodyOf(const v1::Stanza& s) {
  return stanza::childText(s.element(), "body", ns::kClient);
}

TEST(DelayStamp, FormatsXep0082WithMilliseconds) {
  using namespace std::chrono;
  EXPECT_EQ(formatStamp(Clock::TimePoint{seconds{1'700'000'000}}), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(formatStamp(Clock::TimePoint{milliseconds{1'700'000'001'234}}),
            "2023-11-14T22:13:21.234Z");
  EXPECT_EQ(formatStamp(Clock::TimePoint{microseconds{999'999}}), "1970-01-01T00:00:00.999Z");
  EXPECT_EQ(formatStamp(Clock::TimePoint{milliseconds{-1}}), "1969-12-31T23:59:59.999Z");
}

TEST(OfflinePolicy, WhatIsStored) {
  EXPECT_EQ(classifyOffline(chat("hi")), OfflineStatus::kStored);
  EXPECT_EQ(classifyOffline(chat("hi", "")), OfflineStatus::kStored);
  EXPECT_EQ(classifyOffline(chat("hi", "normal")), OfflineStatus::kStored);
  EXPECT_EQ(classifyOffline(chat("hi", "groupchat")), OfflineStatus::kRefused);
  EXPECT_EQ(classifyOffline(chat("hi", "headline")), OfflineStatus::kDiscarded);
  EXPECT_EQ(classifyOffline(chat("hi", "error")), OfflineStatus::kDiscarded);
  EXPECT_EQ(classifyOffline(makePresence("a@b", "c@d", "")), OfflineStatus::kDiscarded);

  v1::Stanza typing = chat("");
  stanza::addChild(*typing.mutable_element(), "composing", "http://jabber.org/protocol/chatstates");
  EXPECT_EQ(classifyOffline(typing), OfflineStatus::kDiscarded);
  stanza::addChild(*typing.mutable_element(), "store", "urn:xmpp:hints");
  EXPECT_EQ(classifyOffline(typing), OfflineStatus::kStored);

  v1::Stanza noStore = chat("secret");
  stanza::addChild(*noStore.mutable_element(), "no-store", "urn:xmpp:hints");
  EXPECT_EQ(classifyOffline(noStore), OfflineStatus::kDiscarded);

  v1::Stanza encrypted = chat("");
  stanza::addChild(*encrypted.mutable_element(), "encrypted", "eu.siacs.conversations.axolotl");
  EXPECT_EQ(classifyOffline(encrypted), OfflineStatus::kStored);
}

TEST_F(RosterLogicTest, FetchAddsDelayAndDoesNotDeleteBeforeAck) {
  ASSERT_EQ(logic_.storeOffline(kJuliet, serialize(chat("one"))).value(), OfflineStatus::kStored);
  clock_.advance(std::chrono::milliseconds(1500));
  ASSERT_EQ(logic_.storeOffline(kJuliet, serialize(chat("two"))).value(), OfflineStatus::kStored);

  auto first = logic_.fetchOffline(kJuliet);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->messages.size(), 2u);
  EXPECT_TRUE(first->undecodable.empty());
  EXPECT_EQ(bodyOf(first->messages[0].stanza), "one");
  EXPECT_EQ(bodyOf(first->messages[1].stanza), "two");
  EXPECT_LT(first->messages[0].id, first->messages[1].id);
  auto delay = stanza::getPayload<stanza::Delay>(first->messages[0].stanza);
  ASSERT_TRUE(delay);
  EXPECT_EQ(delay->from, "example.com");
  EXPECT_EQ(delay->stamp, "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(stanza::getPayload<stanza::Delay>(first->messages[1].stanza)->stamp,
            "2023-11-14T22:13:21.500Z");
  // The routing envelope is untouched.
  EXPECT_EQ(first->messages[0].stanza.from(), "romeo@example.net/orchard");
  EXPECT_EQ(first->messages[0].stanza.to(), kJuliet);

  // Nothing is deleted by fetching: a gateway dying here loses nothing.
  auto again = logic_.fetchOffline(kJuliet);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->messages.size(), 2u);
  EXPECT_EQ(offline_.count(kJuliet).value(), 2u);

  EXPECT_EQ(logic_.ackOffline(kJuliet, {first->messages[0].id}).value(), 1u);
  auto rest = logic_.fetchOffline(kJuliet);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->messages.size(), 1u);
  EXPECT_EQ(bodyOf(rest->messages[0].stanza), "two");
  // Acking twice, or someone else's id, deletes nothing.
  EXPECT_EQ(logic_.ackOffline(kJuliet, {first->messages[0].id}).value(), 0u);
  EXPECT_EQ(logic_.ackOffline(kRomeo, {first->messages[1].id}).value(), 0u);
  EXPECT_EQ(logic_.ackOffline(kJuliet, {first->messages[1].id}).value(), 1u);
  EXPECT_TRUE(logic_.fetchOffline(kJuliet)->messages.empty());
}

TEST_F(RosterLogicTest, OfflineQuotaIsEnforcedPerUser) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(logic_.storeOffline(kJuliet, serialize(chat("m"))).value(), OfflineStatus::kStored)
        << i;
  }
  EXPECT_EQ(logic_.storeOffline(kJuliet, serialize(chat("m"))).value(), OfflineStatus::kQuotaFull);
  EXPECT_EQ(offline_.count(kJuliet).value(), 100u);
  // Another user is not affected; acking makes room again.
  EXPECT_EQ(logic_.storeOffline(kNurse, serialize(chat("m"))).value(), OfflineStatus::kStored);
  auto batch = logic_.fetchOffline(kJuliet);
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->messages.size(), 100u);
  ASSERT_EQ(logic_.ackOffline(kJuliet, {batch->messages[0].id}).value(), 1u);
  EXPECT_EQ(logic_.storeOffline(kJuliet, serialize(chat("m"))).value(), OfflineStatus::kStored);
}

class SmallOfflineTest : public RosterLogicTest {
 protected:
  SmallOfflineTest() : RosterLogicTest(RosterConfig{.offlineQuota = 3, .offlineFetchLimit = 2}) {}
};

TEST_F(SmallOfflineTest, QuotaAndFetchLimitComeFromConfig) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(logic_.storeOffline(kJuliet, serialize(chat(std::to_string(i)))).value(),
              OfflineStatus::kStored);
  }
  EXPECT_EQ(logic_.storeOffline(kJuliet, serialize(chat("x"))).value(), OfflineStatus::kQuotaFull);
  auto batch = logic_.fetchOffline(kJuliet);
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->messages.size(), 2u);  // oldest first
  EXPECT_EQ(bodyOf(batch->messages[0].stanza), "0");
  EXPECT_EQ(bodyOf(batch->messages[1].stanza), "1");
}

TEST_F(RosterLogicTest, OfflineRejectsWhatItShouldNotStore) {
  EXPECT_EQ(logic_.storeOffline(kJuliet, serialize(chat("x", "groupchat"))).value(),
            OfflineStatus::kRefused);
  EXPECT_EQ(logic_.storeOffline(kJuliet, serialize(chat("x", "headline"))).value(),
            OfflineStatus::kDiscarded);
  EXPECT_EQ(offline_.count(kJuliet).value(), 0u);
  auto garbage = logic_.storeOffline(kJuliet, std::string("\xff\xff\xff", 3));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error(), RosterError::kBadRequest);
}

TEST_F(RosterLogicTest, UndecodableStoredBytesAreReportedForAck) {
  storage::StoredMessage bad;
  bad.stanzaBytes = std::string("\xff\xff\xff", 3);
  auto put = offline_.store(kJuliet, bad, 10);
  ASSERT_TRUE(put);
  auto batch = logic_.fetchOffline(kJuliet);
  ASSERT_TRUE(batch);
  EXPECT_TRUE(batch->messages.empty());
  EXPECT_EQ(batch->undecodable, std::vector<std::int64_t>{put->id});
}

TEST_F(RosterLogicTest, OfflineStoreOutage) {
  offline_.setUnavailable(true);
  auto r = logic_.storeOffline(kJuliet, serialize(chat("x")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RosterError::kServiceUnavailable);
}

std::string vcardBytes(std::string_view fn, std::string_view name = "vCard",
                       std::string_view ns = ns::kVcard) {
  v1::Element e;
  e.set_name(std::string(name));
  e.set_ns(std::string(ns));
  stanza::addTextChild(e, "FN", ns::kVcard, fn);
  std::string out;
  e.SerializeToString(&out);
  return out;
}

TEST_F(RosterLogicTest, VcardGetSet) {
  auto missing = logic_.getVcard(kJuliet);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), RosterError::kItemNotFound);

  const std::string bytes = vcardBytes("Juliet Capulet");
  ASSERT_TRUE(logic_.setVcard("Juliet@Example.com", bytes));
  auto got = logic_.getVcard(kJuliet);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, bytes);

  ASSERT_TRUE(logic_.setVcard(kJuliet, vcardBytes("J. C.")));
  v1::Element e;
  ASSERT_TRUE(e.ParseFromString(logic_.getVcard(kJuliet).value()));
  EXPECT_EQ(stanza::childText(e, "FN", ns::kVcard), "J. C.");
}

TEST_F(RosterLogicTest, VcardValidation) {
  auto wrongName = logic_.setVcard(kJuliet, vcardBytes("x", "query"));
  ASSERT_FALSE(wrongName);
  EXPECT_EQ(wrongName.error(), RosterError::kBadRequest);
  auto wrongNs = logic_.setVcard(kJuliet, vcardBytes("x", "vCard", "jabber:client"));
  ASSERT_FALSE(wrongNs);
  EXPECT_EQ(wrongNs.error(), RosterError::kBadRequest);
  auto big = logic_.setVcard(kJuliet, vcardBytes(std::string(70 * 1024, 'x')));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), RosterError::kNotAcceptable);
  EXPECT_EQ(vcards_.userCount(), 0u);
}

TEST_F(RosterLogicTest, DeleteUserDataLeavesNothingBehind) {
  // Juliet: roster items in every shape, a pending request, offline messages, a vCard.
  ASSERT_TRUE(logic_.setItem(kJuliet, wireItem("tybalt@example.com", "Tybalt")));
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribe));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kRomeo, SubscriptionType::kSubscribed, ""));
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, kNurse, SubscriptionType::kSubscribe, ""));
  ASSERT_TRUE(logic_.outboundSubscription(kJuliet, "benvolio@example.net",
                                          SubscriptionType::kSubscribed));  // pre-approval
  ASSERT_TRUE(logic_.inboundSubscription(kJuliet, "mercutio@example.net",
                                         SubscriptionType::kSubscribe, ""));  // hidden
  ASSERT_TRUE(logic_.storeOffline(kJuliet, serialize(chat("one"))));
  ASSERT_TRUE(logic_.storeOffline(kJuliet, serialize(chat("two"))));
  ASSERT_TRUE(logic_.setVcard(kJuliet, vcardBytes("Juliet")));
  // Someone else's data must survive.
  ASSERT_TRUE(logic_.setItem(kRomeo, wireItem(std::string(kJuliet), "Juliet")));
  ASSERT_TRUE(logic_.storeOffline(kRomeo, serialize(chat("for romeo"))));
  ASSERT_TRUE(logic_.setVcard(kRomeo, vcardBytes("Romeo")));

  auto deleted = logic_.deleteUserData(kJuliet);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->rosterItems, 5u);
  EXPECT_EQ(deleted->offlineMessages, 2u);
  EXPECT_TRUE(deleted->vcard);
  // Romeo (To): unsubscribe; nurse and mercutio (pending in): unsubscribed (denied).
  std::vector<std::string> sent;
  for (const auto& s : deleted->routeToContacts) {
    EXPECT_EQ(s.from(), kJuliet);
    sent.push_back(s.to() + " " + s.type());
  }
  EXPECT_EQ(sent, (std::vector<std::string>{"mercutio@example.net unsubscribed",
                                            "nurse@example.com unsubscribed",
                                            "romeo@example.net unsubscribe"}));

  auto roster = logic_.getRoster(kJuliet, std::nullopt);
  ASSERT_TRUE(roster);
  EXPECT_TRUE(roster->items.empty());
  EXPECT_EQ(roster->version, "0");
  EXPECT_EQ(rosters_.countItems(kJuliet).value(), 0u);
  EXPECT_TRUE(logic_.pendingInbound(kJuliet)->empty());
  EXPECT_TRUE(logic_.fetchOffline(kJuliet)->messages.empty());
  EXPECT_EQ(logic_.getVcard(kJuliet).error(), RosterError::kItemNotFound);
  EXPECT_EQ(rosters_.userCount(), 1u);  // romeo only
  EXPECT_EQ(offline_.userCount(), 1u);
  EXPECT_EQ(vcards_.userCount(), 1u);
  EXPECT_TRUE(logic_.getVcard(kRomeo));
  EXPECT_EQ(logic_.getRoster(kRomeo, std::nullopt)->items.size(), 1u);

  // Idempotent.
  auto again = logic_.deleteUserData(kJuliet);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rosterItems, 0u);
  EXPECT_TRUE(again->routeToContacts.empty());
}

}  // namespace
}  // namespace xmpp::roster::testing

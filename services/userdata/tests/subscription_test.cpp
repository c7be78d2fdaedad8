// One test per row of the RFC 6121 Appendix A tables, written out again here (independently of
// the table in subscription.cpp) so that a change to either shows up as a failing row.

#include "subscription.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace xmpp::roster {
namespace {

using S = SubState;
using T = SubscriptionType;
using P = PresenceAction;
constexpr Direction kOut = Direction::kOutbound;
constexpr Direction kIn = Direction::kInbound;

struct Row {
  const char* section;  // e.g. "A.2.1"
  Direction direction;
  T type;
  S state;
  S next;
  bool forward;  // ROUTE? (A.2) / DELIVER? (A.3)
  bool autoReply;
  P presence;
  bool push;  // client-visible change
};

constexpr bool Y = true;
constexpr bool N = false;

const std::vector<Row> kRows = {
    // A.2.1 outbound subscribe: ROUTE? always.
    {"A.2.1", kOut, T::kSubscribe, S::kNone, S::kNonePendingOut, Y, N, P::kNone, Y},
    {"A.2.1", kOut, T::kSubscribe, S::kNonePendingOut, S::kNonePendingOut, Y, N, P::kNone, N},
    {"A.2.1", kOut, T::kSubscribe, S::kNonePendingIn, S::kNonePendingOutIn, Y, N, P::kNone, Y},
    {"A.2.1", kOut, T::kSubscribe, S::kNonePendingOutIn, S::kNonePendingOutIn, Y, N, P::kNone, N},
    {"A.2.1", kOut, T::kSubscribe, S::kTo, S::kTo, Y, N, P::kNone, N},
    {"A.2.1", kOut, T::kSubscribe, S::kToPendingIn, S::kToPendingIn, Y, N, P::kNone, N},
    {"A.2.1", kOut, T::kSubscribe, S::kFrom, S::kFromPendingOut, Y, N, P::kNone, Y},
    {"A.2.1", kOut, T::kSubscribe, S::kFromPendingOut, S::kFromPendingOut, Y, N, P::kNone, N},
    {"A.2.1", kOut, T::kSubscribe, S::kBoth, S::kBoth, Y, N, P::kNone, N},
    // A.2.2 outbound unsubscribe: ROUTE? always.
    {"A.2.2", kOut, T::kUnsubscribe, S::kNone, S::kNone, Y, N, P::kNone, N},
    {"A.2.2", kOut, T::kUnsubscribe, S::kNonePendingOut, S::kNone, Y, N, P::kNone, Y},
    {"A.2.2", kOut, T::kUnsubscribe, S::kNonePendingIn, S::kNonePendingIn, Y, N, P::kNone, N},
    {"A.2.2", kOut, T::kUnsubscribe, S::kNonePendingOutIn, S::kNonePendingIn, Y, N, P::kNone, Y},
    {"A.2.2", kOut, T::kUnsubscribe, S::kTo, S::kNone, Y, N, P::kNone, Y},
    {"A.2.2", kOut, T::kUnsubscribe, S::kToPendingIn, S::kNonePendingIn, Y, N, P::kNone, Y},
    {"A.2.2", kOut, T::kUnsubscribe, S::kFrom, S::kFrom, Y, N, P::kNone, N},
    {"A.2.2", kOut, T::kUnsubscribe, S::kFromPendingOut, S::kFrom, Y, N, P::kNone, Y},
    {"A.2.2", kOut, T::kUnsubscribe, S::kBoth, S::kFrom, Y, N, P::kNone, Y},
    // A.2.3 outbound subscribed: routed only when answering a pending request.
    {"A.2.3", kOut, T::kSubscribed, S::kNone, S::kNone, N, N, P::kNone, N},
    {"A.2.3", kOut, T::kSubscribed, S::kNonePendingOut, S::kNonePendingOut, N, N, P::kNone, N},
    {"A.2.3", kOut, T::kSubscribed, S::kNonePendingIn, S::kFrom, Y, N, P::kSendCurrent, Y},
    {"A.2.3", kOut, T::kSubscribed, S::kNonePendingOutIn, S::kFromPendingOut, Y, N, P::kSendCurrent,
     Y},
    {"A.2.3", kOut, T::kSubscribed, S::kTo, S::kTo, N, N, P::kNone, N},
    {"A.2.3", kOut, T::kSubscribed, S::kToPendingIn, S::kBoth, Y, N, P::kSendCurrent, Y},
    {"A.2.3", kOut, T::kSubscribed, S::kFrom, S::kFrom, N, N, P::kNone, N},
    {"A.2.3", kOut, T::kSubscribed, S::kFromPendingOut, S::kFromPendingOut, N, N, P::kNone, N},
    {"A.2.3", kOut, T::kSubscribed, S::kBoth, S::kBoth, N, N, P::kNone, N},
    // A.2.4 outbound unsubscribed: denies a request or cancels the contact's subscription.
    {"A.2.4", kOut, T::kUnsubscribed, S::kNone, S::kNone, N, N, P::kNone, N},
    {"A.2.4", kOut, T::kUnsubscribed, S::kNonePendingOut, S::kNonePendingOut, N, N, P::kNone, N},
    {"A.2.4", kOut, T::kUnsubscribed, S::kNonePendingIn, S::kNone, Y, N, P::kNone, N},
    {"A.2.4", kOut, T::kUnsubscribed, S::kNonePendingOutIn, S::kNonePendingOut, Y, N, P::kNone, N},
    {"A.2.4", kOut, T::kUnsubscribed, S::kTo, S::kTo, N, N, P::kNone, N},
    {"A.2.4", kOut, T::kUnsubscribed, S::kToPendingIn, S::kTo, Y, N, P::kNone, N},
    {"A.2.4", kOut, T::kUnsubscribed, S::kFrom, S::kNone, Y, N, P::kSendUnavailable, Y},
    {"A.2.4", kOut, T::kUnsubscribed, S::kFromPendingOut, S::kNonePendingOut, Y, N,
     P::kSendUnavailable, Y},
    {"A.2.4", kOut, T::kUnsubscribed, S::kBoth, S::kTo, Y, N, P::kSendUnavailable, Y},
    // A.3.1 inbound subscribe.
    {"A.3.1", kIn, T::kSubscribe, S::kNone, S::kNonePendingIn, Y, N, P::kNone, N},
    {"A.3.1", kIn, T::kSubscribe, S::kNonePendingOut, S::kNonePendingOutIn, Y, N, P::kNone, N},
    {"A.3.1", kIn, T::kSubscribe, S::kNonePendingIn, S::kNonePendingIn, N, N, P::kNone, N},
    {"A.3.1", kIn, T::kSubscribe, S::kNonePendingOutIn, S::kNonePendingOutIn, N, N, P::kNone, N},
    {"A.3.1", kIn, T::kSubscribe, S::kTo, S::kToPendingIn, Y, N, P::kNone, N},
    {"A.3.1", kIn, T::kSubscribe, S::kToPendingIn, S::kToPendingIn, N, N, P::kNone, N},
    {"A.3.1", kIn, T::kSubscribe, S::kFrom, S::kFrom, N, Y, P::kSendCurrent, N},
    {"A.3.1", kIn, T::kSubscribe, S::kFromPendingOut, S::kFromPendingOut, N, Y, P::kSendCurrent, N},
    {"A.3.1", kIn, T::kSubscribe, S::kBoth, S::kBoth, N, Y, P::kSendCurrent, N},
    // A.3.2 inbound unsubscribe.
    {"A.3.2", kIn, T::kUnsubscribe, S::kNone, S::kNone, N, N, P::kNone, N},
    {"A.3.2", kIn, T::kUnsubscribe, S::kNonePendingOut, S::kNonePendingOut, N, N, P::kNone, N},
    {"A.3.2", kIn, T::kUnsubscribe, S::kNonePendingIn, S::kNone, Y, N, P::kNone, N},
    {"A.3.2", kIn, T::kUnsubscribe, S::kNonePendingOutIn, S::kNonePendingOut, Y, N, P::kNone, N},
    {"A.3.2", kIn, T::kUnsubscribe, S::kTo, S::kTo, N, N, P::kNone, N},
    {"A.3.2", kIn, T::kUnsubscribe, S::kToPendingIn, S::kTo, Y, N, P::kNone, N},
    {"A.3.2", kIn, T::kUnsubscribe, S::kFrom, S::kNone, Y, N, P::kSendUnavailable, Y},
    {"A.3.2", kIn, T::kUnsubscribe, S::kFromPendingOut, S::kNonePendingOut, Y, N,
     P::kSendUnavailable, Y},
    {"A.3.2", kIn, T::kUnsubscribe, S::kBoth, S::kTo, Y, N, P::kSendUnavailable, Y},
    // A.3.3 inbound subscribed: only while pending out.
    {"A.3.3", kIn, T::kSubscribed, S::kNone, S::kNone, N, N, P::kNone, N},
    {"A.3.3", kIn, T::kSubscribed, S::kNonePendingOut, S::kTo, Y, N, P::kNone, Y},
    {"A.3.3", kIn, T::kSubscribed, S::kNonePendingIn, S::kNonePendingIn, N, N, P::kNone, N},
    {"A.3.3", kIn, T::kSubscribed, S::kNonePendingOutIn, S::kToPendingIn, Y, N, P::kNone, Y},
    {"A.3.3", kIn, T::kSubscribed, S::kTo, S::kTo, N, N, P::kNone, N},
    {"A.3.3", kIn, T::kSubscribed, S::kToPendingIn, S::kToPendingIn, N, N, P::kNone, N},
    {"A.3.3", kIn, T::kSubscribed, S::kFrom, S::kFrom, N, N, P::kNone, N},
    {"A.3.3", kIn, T::kSubscribed, S::kFromPendingOut, S::kBoth, Y, N, P::kNone, Y},
    {"A.3.3", kIn, T::kSubscribed, S::kBoth, S::kBoth, N, N, P::kNone, N},
    // A.3.4 inbound unsubscribed.
    {"A.3.4", kIn, T::kUnsubscribed, S::kNone, S::kNone, N, N, P::kNone, N},
    {"A.3.4", kIn, T::kUnsubscribed, S::kNonePendingOut, S::kNone, Y, N, P::kNone, Y},
    {"A.3.4", kIn, T::kUnsubscribed, S::kNonePendingIn, S::kNonePendingIn, N, N, P::kNone, N},
    {"A.3.4", kIn, T::kUnsubscribed, S::kNonePendingOutIn, S::kNonePendingIn, Y, N, P::kNone, Y},
    {"A.3.4", kIn, T::kUnsubscribed, S::kTo, S::kNone, Y, N, P::kNone, Y},
    {"A.3.4", kIn, T::kUnsubscribed, S::kToPendingIn, S::kNonePendingIn, Y, N, P::kNone, Y},
    {"A.3.4", kIn, T::kUnsubscribed, S::kFrom, S::kFrom, N, N, P::kNone, N},
    {"A.3.4", kIn, T::kUnsubscribed, S::kFromPendingOut, S::kFrom, Y, N, P::kNone, Y},
    {"A.3.4", kIn, T::kUnsubscribed, S::kBoth, S::kFrom, Y, N, P::kNone, Y},
};

// Readable parameter descriptions in --gtest_list_tests and failure output.
void PrintTo(const Row& r, std::ostream* os) {
  *os << r.section << ' ' << (r.direction == kOut ? "outbound " : "inbound ") << toString(r.type)
      << " in \"" << toString(r.state) << "\" -> \"" << toString(r.next) << '"';
}

// "A.2.1" + "None + Pending Out+In" -> "A_2_1_None_PendingOut_In".
std::string rowName(const ::testing::TestParamInfo<Row>& info) {
  std::string out;
  for (const char* p = info.param.section; *p != '\0'; ++p) out += *p == '.' ? '_' : *p;
  out += '_';
  for (char c : toString(info.param.state)) {
    if (c == ' ') continue;
    out += (c == '+') ? '_' : c;
  }
  std::string squeezed;
  for (char c : out) {
    if (c == '_' && !squeezed.empty() && squeezed.back() == '_') continue;
    squeezed += c;
  }
  return squeezed;
}

class AppendixA : public ::testing::TestWithParam<Row> {};

TEST_P(AppendixA, Row) {
  const Row& r = GetParam();
  SCOPED_TRACE(std::string(r.section) + " " + std::string(toString(r.type)) + " in " +
               std::string(toString(r.state)));
  const Transition t = appendixA(r.direction, r.type, r.state);
  EXPECT_EQ(t.next, r.next) << toString(t.next);
  EXPECT_EQ(t.forward, r.forward);
  EXPECT_EQ(t.autoReplySubscribed, r.autoReply);
  EXPECT_EQ(t.presence, r.presence);

  // Without a pre-approval flag and with pre-approval disabled, decide() is the bare row.
  const Decision d = decide(r.direction, r.type, r.state, false, false);
  EXPECT_EQ(d.next, r.next);
  EXPECT_EQ(d.forward, r.forward);
  EXPECT_EQ(d.autoReplySubscribed, r.autoReply);
  EXPECT_EQ(d.presence, r.presence);
  EXPECT_FALSE(d.approved);
  EXPECT_EQ(d.rosterPush, r.push);
}

INSTANTIATE_TEST_SUITE_P(Rfc6121, AppendixA, ::testing::ValuesIn(kRows), rowName);

TEST(AppendixA, EveryRowIsListedOnce) {
  ASSERT_EQ(kRows.size(), 2u * 4u * kSubStateCount);
  for (std::size_t i = 0; i < kRows.size(); ++i) {
    for (std::size_t j = i + 1; j < kRows.size(); ++j) {
      EXPECT_FALSE(kRows[i].direction == kRows[j].direction && kRows[i].type == kRows[j].type &&
                   kRows[i].state == kRows[j].state)
          << i << " and " << j;
    }
  }
}

TEST(SubState, RoundTripsThroughItemFlags) {
  for (std::size_t i = 0; i < kSubStateCount; ++i) {
    const auto s = static_cast<SubState>(i);
    EXPECT_EQ(stateOf(subscriptionOf(s), pendingOutOf(s), pendingInOf(s)), s) << toString(s);
  }
  // Flags Appendix A has no state for are ignored.
  EXPECT_EQ(stateOf(storage::Subscription::kBoth, true, true), SubState::kBoth);
  EXPECT_EQ(stateOf(storage::Subscription::kTo, true, false), SubState::kTo);
  EXPECT_EQ(stateOf(storage::Subscription::kFrom, false, true), SubState::kFrom);
}

TEST(SubscriptionType, Parses) {
  EXPECT_EQ(parseSubscriptionType("subscribe"), SubscriptionType::kSubscribe);
  EXPECT_EQ(parseSubscriptionType("subscribed"), SubscriptionType::kSubscribed);
  EXPECT_EQ(parseSubscriptionType("unsubscribe"), SubscriptionType::kUnsubscribe);
  EXPECT_EQ(parseSubscriptionType("unsubscribed"), SubscriptionType::kUnsubscribed);
  EXPECT_FALSE(parseSubscriptionType("probe"));
  EXPECT_FALSE(parseSubscriptionType(""));
}

// ---- Pre-approval (RFC 6121 §3.4) ----

TEST(PreApproval, OutboundSubscribedInPreApprovableStatesSetsTheFlag) {
  for (S s : {S::kNone, S::kNonePendingOut, S::kTo}) {
    const Decision d = decide(kOut, T::kSubscribed, s, false, true);
    EXPECT_EQ(d.next, s) << toString(s);
    EXPECT_TRUE(d.approved);
    EXPECT_FALSE(d.forward);
    EXPECT_TRUE(d.rosterPush);  // approved='true' is visible in the roster
  }
}

TEST(PreApproval, DisabledMeansTheStanzaIsIgnored) {
  const Decision d = decide(kOut, T::kSubscribed, S::kNone, false, false);
  EXPECT_FALSE(d.approved);
  EXPECT_FALSE(d.forward);
  EXPECT_FALSE(d.rosterPush);
}

TEST(PreApproval, InboundSubscribeConsumesIt) {
  const std::vector<std::pair<S, S>> cases = {
      {S::kNone, S::kFrom}, {S::kNonePendingOut, S::kFromPendingOut}, {S::kTo, S::kBoth}};
  for (auto [from, to] : cases) {
    const Decision d = decide(kIn, T::kSubscribe, from, true, true);
    EXPECT_EQ(d.next, to) << toString(from);
    EXPECT_FALSE(d.approved);
    EXPECT_FALSE(d.forward);
    EXPECT_TRUE(d.autoReplySubscribed);
    EXPECT_EQ(d.presence, P::kSendCurrent);
    EXPECT_TRUE(d.rosterPush);
  }
}

TEST(PreApproval, OutboundUnsubscribedCancelsIt) {
  const Decision d = decide(kOut, T::kUnsubscribed, S::kTo, true, true);
  EXPECT_EQ(d.next, S::kTo);
  EXPECT_FALSE(d.approved);
  EXPECT_FALSE(d.forward);
  EXPECT_TRUE(d.rosterPush);
}

TEST(PreApproval, OtherStanzasKeepIt) {
  EXPECT_TRUE(decide(kOut, T::kSubscribe, S::kNone, true, true).approved);
  EXPECT_TRUE(decide(kIn, T::kUnsubscribed, S::kTo, true, true).approved);
  EXPECT_TRUE(decide(kIn, T::kSubscribed, S::kNonePendingOut, true, true).approved);
}

}  // namespace
}  // namespace xmpp::roster

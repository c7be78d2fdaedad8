// Every row of RFC 6121 Appendix A through RosterLogic on a real PostgreSQL (label: db).
// The table itself is checked row by row against the RFC in subscription_test.cpp; this test
// shows that the logic and the PostgreSQL store carry each transition out: for each of the
// 72 (direction, stanza type, state) cases the state is seeded in the database, the stanza is
// processed, and the stored state, the routing and the auto-reply must match the row.

#include <gtest/gtest.h>

#include "roster_logic.hpp"
#include "stanzas.hpp"
#include "xmpp/storage_pg/pg_offline_store.hpp"
#include "xmpp/storage_pg/pg_roster_store.hpp"
#include "xmpp/storage_pg/pg_vcard_store.hpp"
#include "xmpp/testing/test_postgres.hpp"

namespace xmpp::roster {
namespace {

constexpr std::string_view kUser = "juliet@example.com";
constexpr std::string_view kContact = "romeo@example.net";

class AppendixADb : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg_ = new testing::TestPostgres();
    pqxx::connection c(pg_->connectionString());
    storage_pg::applyMigrations(c, "roster", storage_pg::rosterMigrations());
  }
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }
  static testing::TestPostgres* pg_;
};
testing::TestPostgres* AppendixADb::pg_ = nullptr;

constexpr Direction kDirections[] = {Direction::kOutbound, Direction::kInbound};
constexpr SubscriptionType kTypes[] = {SubscriptionType::kSubscribe, SubscriptionType::kSubscribed,
                                       SubscriptionType::kUnsubscribe,
                                       SubscriptionType::kUnsubscribed};
constexpr const char* kTypeNames[] = {"subscribe", "subscribed", "unsubscribe", "unsubscribed"};

TEST_F(AppendixADb, EveryRowOnPostgres) {
  storage_pg::PgPool pool({.connectionString = pg_->connectionString(), .size = 2});
  storage_pg::PgRosterStore rosters(pool);
  storage_pg::PgOfflineStore offline(pool);
  storage_pg::PgVcardStore vcards(pool);
  SystemClock clock;
  RosterConfig config;
  config.preApproval = false;  // the bare Appendix A tables
  RosterLogic logic(rosters, offline, vcards, clock, config);

  int rows = 0;
  for (Direction direction : kDirections) {
    for (size_t t = 0; t < 4; ++t) {
      for (size_t s = 0; s < kSubStateCount; ++s) {
        const auto state = static_cast<SubState>(s);
        const SubscriptionType type = kTypes[t];
        const Transition row = appendixA(direction, type, state);
        SCOPED_TRACE(
            std::string(direction == Direction::kOutbound ? "A.2 outbound " : "A.3 inbound ") +
            kTypeNames[t] + " in " + std::string(toString(state)));

        // A fresh user per row, seeded with the row's state.
        const std::string user = std::to_string(rows) + "." + std::string(kUser);
        auto seeded = rosters.updateItem(user, std::string(kContact), [&](const auto&) {
          storage::RosterItem item;
          item.contact = std::string(kContact);
          item.name = "Romeo";
          item.subscription = subscriptionOf(state);
          item.askOut = pendingOutOf(state);
          item.pendingIn = pendingInOf(state);
          if (item.pendingIn) {
            item.pendingInStanza = serialize(makePresence(kContact, user, "subscribe"));
          }
          return std::optional<storage::RosterItem>(item);
        });
        ASSERT_TRUE(seeded);

        const std::string bytes =
            direction == Direction::kOutbound
                ? serialize(makePresence("", kContact, kTypeNames[t]))
                : serialize(makePresence(std::string(kContact) + "/balcony", user, kTypeNames[t]));
        auto result =
            direction == Direction::kOutbound
                ? logic.outboundSubscription(user, kContact, type, bytes)
                : logic.inboundSubscription(user, std::string(kContact) + "/balcony", type, bytes);
        ASSERT_TRUE(result);

        auto stored = rosters.getItem(user, kContact);
        const SubState after = stored ? stateOf(*stored) : SubState::kNone;
        EXPECT_EQ(after, row.next)
            << "stored " << toString(after) << ", expected " << toString(row.next);
        EXPECT_EQ(result->after, row.next);
        if (direction == Direction::kOutbound) {
          EXPECT_EQ(result->routeToContact.has_value(), row.forward);
          if (result->routeToContact) {
            EXPECT_EQ(result->routeToContact->from(), user);  // stamped with the bare JID
            EXPECT_EQ(result->routeToContact->to(), kContact);
          }
        } else {
          EXPECT_EQ(result->deliverToUser.has_value(), row.forward);
        }
        EXPECT_EQ(result->autoReply.has_value(), row.autoReplySubscribed);
        EXPECT_EQ(result->presence, row.presence);
        ++rows;
      }
    }
  }
  EXPECT_EQ(rows, 72);
}

}  // namespace
}  // namespace xmpp::roster

#pragma once
// Shared set-up for RosterLogic tests: in-memory stores, a manual clock, helpers.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "roster_logic.hpp"
#include "xmpp/common/clock.hpp"
#include "xmpp/storage/in_memory_offline_store.hpp"
#include "xmpp/storage/in_memory_roster_store.hpp"
#include "xmpp/storage/in_memory_vcard_store.hpp"

namespace xmpp::roster::testing {

inline constexpr std::string_view kJuliet = "juliet@example.com";
inline constexpr std::string_view kRomeo = "romeo@example.net";
inline constexpr std::string_view kNurse = "nurse@example.com";

inline stanza::RosterItem wireItem(std::string jid, std::string name = {},
                                   std::vector<std::string> groups = {}) {
  stanza::RosterItem item;
  item.jid = std::move(jid);
  item.name = std::move(name);
  item.groups = std::move(groups);
  return item;
}

class RosterLogicTest : public ::testing::Test {
 protected:
  explicit RosterLogicTest(RosterConfig config = {})
      : logic_(rosters_, offline_, vcards_, clock_, config) {}

  storage::RosterItem item(std::string_view user, std::string_view contact) {
    auto got = rosters_.getItem(user, contact);
    EXPECT_TRUE(got.has_value()) << user << " has no item " << contact;
    return got ? *got : storage::RosterItem{};
  }
  bool hasItem(std::string_view user, std::string_view contact) {
    return rosters_.getItem(user, contact).has_value();
  }
  storage::RosterVersion version(std::string_view user) {
    return rosters_.getRoster(user)->version;
  }

  storage::InMemoryRosterStore rosters_;
  storage::InMemoryOfflineStore offline_;
  storage::InMemoryVcardStore vcards_;
  ManualClock clock_;
  RosterLogic logic_;
};

}  // namespace xmpp::roster::testing

#include "xmpp/stanza/stanza_error.hpp"

#include <gtest/gtest.h>

namespace xmpp::stanza {
namespace {

TEST(StanzaError, EveryDefinedConditionHasItsRecommendedTypeAndLegacyCode) {
  EXPECT_EQ(stanzaError("service-unavailable").type, ErrorType::kCancel);
  EXPECT_EQ(stanzaError("bad-request").type, ErrorType::kModify);
  EXPECT_EQ(stanzaError("not-authorized").type, ErrorType::kAuth);
  EXPECT_EQ(stanzaError("resource-constraint").type, ErrorType::kWait);
  EXPECT_EQ(legacyCode("service-unavailable"), 503);
  EXPECT_EQ(legacyCode("not-authorized"), 401);
  EXPECT_EQ(legacyCode("policy-violation"), 0);  // newer than XEP-0086
  EXPECT_EQ(stanzaError("made-up").condition, "undefined-condition");
  EXPECT_FALSE(isDefinedCondition("made-up"));
  EXPECT_EQ(stanzaError("not-acceptable", "why").text, "why");
  EXPECT_EQ(errors::temporarilyUnavailable().type, ErrorType::kWait);
  EXPECT_EQ(toString(ErrorType::kContinue), "continue");
}

}  // namespace
}  // namespace xmpp::stanza

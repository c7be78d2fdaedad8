// When the gateway gives memory back (issue 9, case 12).
#include "memory_trim.hpp"

#include <gtest/gtest.h>

namespace xmpp::gateway {
namespace {

TEST(TrimPolicyTest, case12_TrimsWhenATenthOfThePeakEndedAndOnceMoreAnIntervalLater) {
  TrimPolicy p;
  EXPECT_FALSE(p.tick(0));
  EXPECT_FALSE(p.tick(5000));
  EXPECT_FALSE(p.tick(10000));
  EXPECT_FALSE(p.tick(9500));  // a twentieth: not yet
  EXPECT_TRUE(p.tick(8000));
  EXPECT_TRUE(p.tick(8000));  // the settle trim, for what was freed late
  EXPECT_FALSE(p.tick(8000));
  EXPECT_TRUE(p.tick(30));
  // Before: the last 30 ended under the 64 threshold, and what they and the late frees left
  // stayed (73 MB after 10,000 sessions instead of 26 MB in one run).
  EXPECT_TRUE(p.tick(0));
  EXPECT_FALSE(p.tick(0));
}

TEST(TrimPolicyTest, case12_SmallDropsDoNotTrim) {
  TrimPolicy p;
  EXPECT_FALSE(p.tick(100));
  EXPECT_FALSE(p.tick(40));  // 60 ended: under 64
  EXPECT_FALSE(p.tick(100));
}

}  // namespace
}  // namespace xmpp::gateway

// The small rules the attendance operations share (src/domain/record_rules.hpp).

#include "src/domain/record_rules.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace rollcall::domain::rules {
namespace {

TEST(RecordRules, ConstantTimeEquality) {
  EXPECT_TRUE(equal_constant_time("123456", "123456"));
  EXPECT_FALSE(equal_constant_time("123456", "123457"));
  EXPECT_FALSE(equal_constant_time("123456", "023456"));
  EXPECT_FALSE(equal_constant_time("123456", "12345"));
  EXPECT_FALSE(equal_constant_time("12345", "123456"));
  EXPECT_FALSE(equal_constant_time("", "1"));
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_TRUE(equal_constant_time(std::string_view(), ""));
  EXPECT_TRUE(equal_constant_time(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(equal_constant_time(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(RecordRules, AQrTokenIsAcceptedInItsWindowAndTheNext) {
  const std::int64_t w = 113333333;
  EXPECT_TRUE(qr_window_accepted(w, w));
  EXPECT_TRUE(qr_window_accepted(w, w + 1));
  EXPECT_FALSE(qr_window_accepted(w, w + 2));
  EXPECT_FALSE(qr_window_accepted(w, w - 1));
  EXPECT_FALSE(qr_window_accepted(w, w + 1000));
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  EXPECT_TRUE(qr_window_accepted(max, max));
  EXPECT_FALSE(qr_window_accepted(max, min));  // no overflow into the next window
  EXPECT_TRUE(qr_window_accepted(max - 1, max));
  EXPECT_FALSE(qr_window_accepted(min, max));
}

TEST(RecordRules, OverridesAreOrderedByTimeThenOpIdAndLiveOnesByArrival) {
  Record live;
  live.is_manual_override = true;
  live.override_at_ms = 100;
  EXPECT_TRUE(override_wins(live, 50, ""));    // two live decisions: the later arrival,
  EXPECT_TRUE(override_wins(live, 100, ""));   // whatever the clock says
  EXPECT_TRUE(override_wins(live, 100, "a"));  // an offline one at the same time wins
  EXPECT_FALSE(override_wins(live, 99, "a"));  // an offline one made earlier loses
  Record offline = live;
  offline.override_op.assign(1, 'm');             // (not = "m": a g++ 12 -Wrestrict false positive)
  EXPECT_FALSE(override_wins(offline, 100, ""));  // a live one loses a tie
  EXPECT_TRUE(override_wins(offline, 101, ""));
  EXPECT_FALSE(override_wins(offline, 100, "a"));
  EXPECT_TRUE(override_wins(offline, 100, "z"));
  EXPECT_TRUE(override_wins(Record{}, 0, ""));  // nothing to beat
}

}  // namespace
}  // namespace rollcall::domain::rules

namespace rollcall::domain::rules {
namespace {

TEST(RecordRules, ALiveCheckInIsAfterACloseEvenInItsMillisecond) {
  Session s;
  s.starts_at_ms = 1000;
  EXPECT_FALSE(after_close(s, 5000, true));  // open
  s.open = false;
  s.closed_at_ms = 5000;
  EXPECT_TRUE(after_close(s, 5000, true));    // live, the close's own millisecond
  EXPECT_TRUE(after_close(s, 4000, true));    // live, a clock that went back
  EXPECT_FALSE(after_close(s, 5000, false));  // offline, at the close: still inside
  EXPECT_TRUE(after_close(s, 5001, false));
  EXPECT_TRUE(outside(s, 999, false));
  EXPECT_FALSE(outside(s, 1000, false));
}

}  // namespace
}  // namespace rollcall::domain::rules

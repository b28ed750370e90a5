#include "rollcall/net/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rollcall::net {
namespace {

std::vector<std::uint32_t> advance_to(TimerWheel& w, std::uint64_t now_ms) {
  std::vector<std::uint32_t> fired;
  w.advance(now_ms, [&](std::uint32_t i) { fired.push_back(i); });
  return fired;
}

TEST(TimerWheel, FiresAtOrAfterDeadlineNeverBefore) {
  TimerWheel w(8, 100, 16, 0);
  w.schedule(3, 250);
  EXPECT_TRUE(advance_to(w, 200).empty());
  EXPECT_TRUE(advance_to(w, 299).empty());  // rounded up to the tick at 300
  EXPECT_EQ(advance_to(w, 300), std::vector<std::uint32_t>{3});
  EXPECT_FALSE(w.scheduled(3));
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, RescheduleMovesTheSingleDeadline) {
  TimerWheel w(8, 100, 16, 0);
  w.schedule(1, 200);
  w.schedule(1, 900);  // replaces, not adds
  EXPECT_EQ(w.size(), 1u);
  EXPECT_TRUE(advance_to(w, 500).empty());
  EXPECT_EQ(advance_to(w, 900), std::vector<std::uint32_t>{1});
}

TEST(TimerWheel, CancelledSlotNeverFires) {
  TimerWheel w(8, 100, 16, 0);
  w.schedule(2, 100);
  w.schedule(5, 100);
  w.cancel(2);
  EXPECT_EQ(advance_to(w, 1000), std::vector<std::uint32_t>{5});
}

TEST(TimerWheel, DeadlinesBeyondOneRevolutionWaitTheirTurn) {
  TimerWheel w(8, 10, 4, 0);  // one revolution = 40 ms
  w.schedule(0, 35);
  w.schedule(1, 155);  // same bucket as 35 after several laps
  EXPECT_EQ(advance_to(w, 40), std::vector<std::uint32_t>{0});
  EXPECT_TRUE(advance_to(w, 150).empty());
  EXPECT_EQ(advance_to(w, 160), std::vector<std::uint32_t>{1});
}

TEST(TimerWheel, RearmInsideCallbackFiresOnALaterTickNotTheSameSweep) {
  TimerWheel w(4, 100, 8, 0);
  w.schedule(0, 100);
  int fires = 0;
  w.advance(100, [&](std::uint32_t i) {
    ++fires;
    w.schedule(i, 100);  // "now" again: must not loop forever in this sweep
  });
  EXPECT_EQ(fires, 1);
  EXPECT_TRUE(w.scheduled(0));
  w.advance(200, [&](std::uint32_t) { ++fires; });
  EXPECT_EQ(fires, 2);
}

TEST(TimerWheel, CallbackCancellingAnotherSlotInSameBucketIsSafe) {
  TimerWheel w(4, 100, 8, 0);
  w.schedule(0, 100);
  w.schedule(1, 100);
  w.schedule(2, 100);
  std::vector<std::uint32_t> fired;
  w.advance(100, [&](std::uint32_t i) {
    fired.push_back(i);
    for (std::uint32_t j = 0; j < 3; ++j) {
      if (j != i) w.cancel(j);
    }
  });
  EXPECT_EQ(fired.size(), 1u);
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, ManySlotsAllFireExactlyOnce) {
  constexpr std::uint32_t kSlots = 10000;
  TimerWheel w(kSlots, 100, 1024, 0);
  for (std::uint32_t i = 0; i < kSlots; ++i) w.schedule(i, 100 + (i * 37) % 120000);
  std::vector<int> count(kSlots, 0);
  std::uint64_t last_now = 0;
  for (std::uint64_t now = 0; now <= 121000; now += 100) {
    w.advance(now, [&](std::uint32_t i) {
      ++count[i];
      EXPECT_GE(now, 100 + (i * 37) % 120000);
    });
    last_now = now;
  }
  EXPECT_GT(last_now, 0u);
  for (std::uint32_t i = 0; i < kSlots; ++i) ASSERT_EQ(count[i], 1) << i;
}

}  // namespace
}  // namespace rollcall::net

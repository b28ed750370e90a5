#include "rollcall/shard/spsc_queue.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace rollcall::shard {
namespace {

TEST(SpscQueue, RefusesWhenFullAndAcceptsAfterDrain) {
  SpscQueue<int> q(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i));
  EXPECT_FALSE(q.try_push(99));
  int sum = 0;
  EXPECT_EQ(q.drain([&](int v) { sum += v; }, 2), 2u);
  EXPECT_EQ(sum, 0 + 1);
  EXPECT_TRUE(q.try_push(4));
  std::vector<int> rest;
  q.drain([&](int v) { rest.push_back(v); });
  EXPECT_EQ(rest, (std::vector<int>{2, 3, 4}));
  EXPECT_TRUE(q.empty_for_consumer());
}

TEST(SpscQueue, TwoThreadsAMillionItemsNoLossNoReorder) {
  constexpr std::uint64_t kItems = 1'000'000;
  SpscQueue<std::uint64_t> q(1024);
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kItems;) {
      if (q.try_push(i)) ++i;
    }
  });
  std::uint64_t expected = 0;
  bool in_order = true;
  while (expected < kItems) {
    q.drain([&](std::uint64_t v) {
      in_order = in_order && v == expected;
      ++expected;
    });
  }
  producer.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(expected, kItems);
  EXPECT_TRUE(q.empty_for_consumer());
}

}  // namespace
}  // namespace rollcall::shard

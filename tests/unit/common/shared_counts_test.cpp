#include "rollcall/common/shared_counts.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

namespace rollcall {
namespace {

TEST(SharedCountsTest, RefusesPastTheLimitAndTakesBackWhatWasReleased) {
  SharedCounts counts(1024);
  std::vector<std::uint32_t> held;
  for (int i = 0; i < 3; ++i) {
    const std::optional<std::uint32_t> b = counts.try_acquire("10.0.0.1", 3);
    ASSERT_TRUE(b.has_value());
    held.push_back(*b);
  }
  EXPECT_FALSE(counts.try_acquire("10.0.0.1", 3).has_value());
  EXPECT_EQ(counts.count("10.0.0.1"), 3u);
  counts.release(held.back());
  held.pop_back();
  EXPECT_TRUE(counts.try_acquire("10.0.0.1", 3).has_value());
  EXPECT_EQ(counts.count("10.0.0.1"), 3u);
}

TEST(SharedCountsTest, KeysCountApartUnlessTheyShareACounter) {
  SharedCounts counts(1u << 16);
  ASSERT_TRUE(counts.try_acquire("a", 1).has_value());
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    admitted += counts.try_acquire("key-" + std::to_string(i), 1).has_value() ? 1 : 0;
  }
  EXPECT_GE(admitted, 99);  // one collision at most among 100 keys in 65,536 counters
}

TEST(SharedCountsTest, ThreadsNeverTakeMoreThanTheLimitTogether) {
  SharedCounts counts(16);
  constexpr std::uint32_t kLimit = 1000;
  std::atomic<std::uint32_t> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        if (counts.try_acquire("one", kLimit)) admitted.fetch_add(1);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(admitted.load(), kLimit);
  EXPECT_EQ(counts.count("one"), kLimit);
}

}  // namespace
}  // namespace rollcall

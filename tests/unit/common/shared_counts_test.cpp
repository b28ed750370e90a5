#include "rollcall/common/shared_counts.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <set>
#include <string>
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
  // With a limit of 1, a key is admitted exactly when no earlier key took its
  // counter (the counters are keyed at random per instance: which keys share one
  // differs from run to run, so the test follows the counters, not a guess at
  // collisions, which once failed about one run in 300).
  SharedCounts counts(1u << 16);
  std::set<std::uint32_t> taken;
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const bool shared = counts.count(key) > 0;  // an earlier key holds this key's counter
    const std::optional<std::uint32_t> got = counts.try_acquire(key, 1);
    EXPECT_EQ(got.has_value(), !shared) << key;
    if (got) {
      EXPECT_TRUE(taken.insert(*got).second) << key << " got a counter already taken";
      ++admitted;
    }
  }
  EXPECT_EQ(static_cast<std::size_t>(admitted), taken.size());
  EXPECT_GE(admitted, 90);  // 100 keys in 65,536 counters: nearly all apart
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

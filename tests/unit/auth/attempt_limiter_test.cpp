#include "rollcall/auth/attempt_limiter.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <utility>

namespace rollcall::auth {
namespace {

class AttemptLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(AttemptLimiterTest, BlocksAtExactlyMaxFailures) {
  AttemptLimiter limiter(5, 600000, 100);
  for (int i = 0; i < 4; ++i) {
    limiter.record_failure("alice", 1000 + i);
    EXPECT_FALSE(limiter.blocked("alice", 1000 + i)) << i;
  }
  limiter.record_failure("alice", 1004);
  EXPECT_TRUE(limiter.blocked("alice", 1004));
  EXPECT_FALSE(limiter.blocked("bob", 1004));
  EXPECT_FALSE(limiter.blocked("alic", 1004));
  EXPECT_EQ(limiter.size(), 1u);
}

TEST_F(AttemptLimiterTest, WindowSlides) {
  AttemptLimiter limiter(3, 10000, 100);
  limiter.record_failure("k", 0);
  limiter.record_failure("k", 1000);
  limiter.record_failure("k", 2000);
  EXPECT_TRUE(limiter.blocked("k", 2000));
  EXPECT_TRUE(limiter.blocked("k", 9999));
  EXPECT_FALSE(limiter.blocked("k", 10000));  // the failure at 0 left (now - window, now]
  limiter.record_failure("k", 10000);
  EXPECT_TRUE(limiter.blocked("k", 10000));
  EXPECT_TRUE(limiter.blocked("k", 10999));
  EXPECT_FALSE(limiter.blocked("k", 11000));
  EXPECT_FALSE(limiter.blocked("k", 20000));
}

TEST_F(AttemptLimiterTest, KeepsTheNewestFailuresOnly) {
  AttemptLimiter limiter(3, 250, 100);
  for (const std::int64_t t : {0, 100, 200, 300}) limiter.record_failure("k", t);
  EXPECT_TRUE(limiter.blocked("k", 300));   // 100, 200, 300 are within (50, 300]
  EXPECT_FALSE(limiter.blocked("k", 350));  // 100 left
}

TEST_F(AttemptLimiterTest, ClearForgetsAKey) {
  AttemptLimiter limiter(2, 10000, 100);
  limiter.record_failure("alice", 1);
  limiter.record_failure("alice", 2);
  limiter.record_failure("bob", 2);
  ASSERT_TRUE(limiter.blocked("alice", 3));
  limiter.clear("alice");
  EXPECT_FALSE(limiter.blocked("alice", 3));
  EXPECT_EQ(limiter.size(), 1u);
  limiter.clear("nobody");
  EXPECT_EQ(limiter.size(), 1u);
  limiter.record_failure("alice", 4);
  EXPECT_FALSE(limiter.blocked("alice", 4));  // counting starts again
  limiter.record_failure("alice", 5);
  EXPECT_TRUE(limiter.blocked("alice", 5));
}

TEST_F(AttemptLimiterTest, MemoryIsBoundedByMaxKeys) {
  AttemptLimiter limiter(1, 1000000, 100);
  for (int i = 0; i < 10000; ++i) {
    limiter.record_failure("user-with-a-long-name-" + std::to_string(i), i);
    ASSERT_LE(limiter.size(), 100u);
  }
  EXPECT_EQ(limiter.size(), 100u);
  // The 100 most recent keys are the ones kept.
  EXPECT_TRUE(limiter.blocked("user-with-a-long-name-9999", 10000));
  EXPECT_TRUE(limiter.blocked("user-with-a-long-name-9900", 10000));
  EXPECT_FALSE(limiter.blocked("user-with-a-long-name-9899", 10000));
}

TEST_F(AttemptLimiterTest, ExpiredKeysAreDroppedBeforeLiveOnes) {
  AttemptLimiter limiter(1, 1000, 3);
  limiter.record_failure("old", 0);
  limiter.record_failure("b", 600);
  limiter.record_failure("c", 700);
  limiter.record_failure("d", 1000);  // "old" expired at 1000: dropped, nothing live evicted
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_TRUE(limiter.blocked("b", 1000));
  EXPECT_TRUE(limiter.blocked("c", 1000));
  EXPECT_TRUE(limiter.blocked("d", 1000));
  // All live and full: the least recent ("b") goes.
  limiter.record_failure("e", 1001);
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.blocked("b", 1001));
  EXPECT_TRUE(limiter.blocked("c", 1001));
  // Lazy expiry: once everything aged out, the next failure leaves one key.
  limiter.record_failure("f", 5000);
  EXPECT_EQ(limiter.size(), 1u);
}

TEST_F(AttemptLimiterTest, ABlockedKeySurvivesUntilMaxKeysOthersFailAfterIt) {
  AttemptLimiter limiter(2, 600000, 4);
  limiter.record_failure("victim", 0);
  limiter.record_failure("victim", 1);
  limiter.record_failure("x1", 2);
  limiter.record_failure("x2", 3);
  limiter.record_failure("x3", 4);
  EXPECT_TRUE(limiter.blocked("victim", 5));
  // A failure refreshes recency: the victim is no longer the least recent.
  limiter.record_failure("victim", 5);
  limiter.record_failure("x4", 6);
  EXPECT_TRUE(limiter.blocked("victim", 7));
  EXPECT_FALSE(limiter.blocked("x1", 7));
  EXPECT_EQ(limiter.size(), 4u);
  for (int i = 0; i < 3; ++i)
    limiter.record_failure(std::string("y").append(std::to_string(i)), 8 + i);
  EXPECT_FALSE(limiter.blocked("victim", 11));  // now the least recent: evicted
  EXPECT_EQ(limiter.size(), 4u);
}

TEST_F(AttemptLimiterTest, IdPairKeysForWrongCodesPerStudentPerSession) {
  IdPairAttemptLimiter limiter(5, 10 * 60 * 1000, 1000);
  for (int i = 0; i < 5; ++i) limiter.record_failure({7, 100}, i * 1000);
  EXPECT_TRUE(limiter.blocked({7, 100}, 5000));
  EXPECT_FALSE(limiter.blocked({100, 7}, 5000));
  EXPECT_FALSE(limiter.blocked({7, 101}, 5000));
  EXPECT_FALSE(limiter.blocked({8, 100}, 5000));
  EXPECT_TRUE(limiter.blocked({7, 100}, 599999));
  EXPECT_FALSE(limiter.blocked({7, 100}, 600000));
  limiter.clear({7, 100});
  EXPECT_EQ(limiter.size(), 0u);
}

TEST_F(AttemptLimiterTest, MovesKeepState) {
  AttemptLimiter a(1, 1000, 10);
  a.record_failure("k", 1);
  a.record_failure("j", 2);
  AttemptLimiter b(std::move(a));
  EXPECT_TRUE(b.blocked("k", 3));
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): documented as empty and usable
  a.record_failure("z", 3);
  EXPECT_TRUE(a.blocked("z", 3));
  AttemptLimiter c(1, 1000, 10);
  c = std::move(b);
  EXPECT_TRUE(c.blocked("j", 3));
  c.record_failure("k", 2000);  // drops both expired keys, adds "k" again
  EXPECT_EQ(c.size(), 1u);
  EXPECT_TRUE(c.blocked("k", 2000));
}

}  // namespace
}  // namespace rollcall::auth

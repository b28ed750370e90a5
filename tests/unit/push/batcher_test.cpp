// Batching per user, kind and session: one message per window, the latest payload.

#include "rollcall/push/batcher.hpp"

#include <gtest/gtest.h>

namespace rollcall::push {
namespace {

using domain::PushKind;
using domain::SessionId;
using domain::UserId;

Batched msg(std::uint64_t user, PushKind kind, std::uint64_t session, std::string payload,
            std::int64_t event_ms = 1) {
  return Batched{UserId{user}, kind, SessionId{session}, std::move(payload), event_ms};
}

TEST(PushBatcherTest, OneMessagePerWindowWithTheLatestPayload) {
  Batcher b(2000, 100);
  EXPECT_EQ(b.add(msg(7, PushKind::StatusChanged, 1, "absent", 10), 1000), Batcher::Added::New);
  EXPECT_EQ(b.add(msg(7, PushKind::StatusChanged, 1, "excused", 20), 1500),
            Batcher::Added::Replaced);
  std::vector<Batched> out;
  b.take_due(2999, out);
  EXPECT_TRUE(out.empty());  // the window is the first message's, 2000 ms
  ASSERT_EQ(b.next_due(), 3000);
  b.take_due(3000, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, "excused");
  EXPECT_EQ(out[0].event_ms, 10);  // latency counts from the first event
  EXPECT_EQ(b.size(), 0u);
  EXPECT_FALSE(b.next_due().has_value());
  // A new window after it went out.
  EXPECT_EQ(b.add(msg(7, PushKind::StatusChanged, 1, "present"), 3001), Batcher::Added::New);
}

TEST(PushBatcherTest, KindsSessionsAndUsersAreSeparate) {
  Batcher b(100, 100);
  EXPECT_EQ(b.add(msg(7, PushKind::StatusChanged, 1, "a"), 0), Batcher::Added::New);
  EXPECT_EQ(b.add(msg(7, PushKind::MissingDigest, 1, "b"), 10), Batcher::Added::New);
  EXPECT_EQ(b.add(msg(7, PushKind::StatusChanged, 2, "c"), 20), Batcher::Added::New);
  EXPECT_EQ(b.add(msg(8, PushKind::StatusChanged, 1, "d"), 30), Batcher::Added::New);
  std::vector<Batched> out;
  b.take_due(1000, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].payload, "b");  // no window for a digest
  EXPECT_EQ(out[1].payload, "a");  // then the oldest window first
  EXPECT_EQ(out[3].payload, "d");
}

TEST(PushBatcherTest, BoundedNewKeysAreRefusedNotReplacements) {
  Batcher b(100, 2);
  EXPECT_EQ(b.add(msg(1, PushKind::StatusChanged, 1, "a"), 0), Batcher::Added::New);
  EXPECT_EQ(b.add(msg(2, PushKind::StatusChanged, 1, "b"), 0), Batcher::Added::New);
  EXPECT_EQ(b.add(msg(3, PushKind::StatusChanged, 1, "c"), 0), Batcher::Added::Refused);
  EXPECT_EQ(b.add(msg(2, PushKind::StatusChanged, 1, "b2"), 0), Batcher::Added::Replaced);
  EXPECT_EQ(b.size(), 2u);
}

TEST(PushBatcherTest, ZeroWindowSendsOnTheNextTake) {
  Batcher b(0, 10);
  b.add(msg(1, PushKind::StatusChanged, 1, "a"), 50);
  std::vector<Batched> out;
  b.take_due(50, out);
  EXPECT_EQ(out.size(), 1u);
}

TEST(PushBatcherTest, KindsThatHappenOncePerSessionDoNotWait) {
  Batcher b(2000, 10);
  b.add(msg(1, PushKind::SessionOpened, 1, "opened"), 50);
  b.add(msg(2, PushKind::MissingDigest, 1, "digest"), 60);
  b.add(msg(1, PushKind::StatusChanged, 1, "absent"), 70);
  std::vector<Batched> out;
  b.take_due(60, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].payload, "opened");
  EXPECT_EQ(out[1].payload, "digest");
  EXPECT_EQ(b.next_due(), 2070);
}

}  // namespace
}  // namespace rollcall::push

#include "rollcall/net/out_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rollcall::net {
namespace {

TEST(OutBuffer, CoalescesEverythingQueuedBeforeTheSend) {
  OutBuffer b;
  b.append("one ");
  b.append("two ");
  b.append("three");
  EXPECT_EQ(b.next_chunk(), "one two three");
  EXPECT_EQ(b.backlog_bytes(), 13u);
}

TEST(OutBuffer, PartialSendResumesWhereTheKernelStopped) {
  OutBuffer b;
  b.append("abcdefgh");
  ASSERT_EQ(b.next_chunk(), "abcdefgh");
  b.consume(3);
  EXPECT_EQ(b.backlog_bytes(), 5u);
  EXPECT_EQ(b.next_chunk(), "defgh");
  b.consume(5);
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.next_chunk().empty());
}

TEST(OutBuffer, BytesQueuedDuringASendGoOutAfterIt) {
  OutBuffer b;
  b.append("first");
  const std::string_view inflight = b.next_chunk();
  const char* inflight_data = inflight.data();
  b.append("second");  // must not move the bytes the kernel is reading
  EXPECT_EQ(std::string_view(inflight_data, 5), "first");
  EXPECT_EQ(b.next_chunk(), "first");  // still the same chunk until consumed
  b.consume(5);
  EXPECT_EQ(b.next_chunk(), "second");
  EXPECT_EQ(b.backlog_bytes(), 6u);
}

TEST(OutBuffer, LargeBuffersAreReleasedOnceSent) {
  OutBuffer b;
  const std::size_t pooled = OutBuffer::pooled_buffers();
  b.append(std::string(OutBuffer::kLargeBufferBytes * 4, 'x'));
  const std::size_t n = b.next_chunk().size();
  b.consume(n);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.retained_bytes(), 0u);
  EXPECT_LE(OutBuffer::pooled_buffers(), pooled);  // a grown buffer is freed, not parked
  b.append("y");
  EXPECT_EQ(b.next_chunk(), "y");
}

TEST(OutBuffer, AnIdleQueueHoldsNothingAndItsBufferIsTheNextQueuesBuffer) {
  OutBuffer a;
  a.append(std::string(600, 'e'));
  EXPECT_GE(a.retained_bytes(), OutBuffer::kSmallBufferBytes);  // a whole pool buffer, no regrowth
  const char* buffer = a.next_chunk().data();
  const std::size_t pooled = OutBuffer::pooled_buffers();
  a.consume(600);
  EXPECT_EQ(a.retained_bytes(), 0u);
  EXPECT_EQ(OutBuffer::pooled_buffers(), pooled + 1);
  // Another connection's queue takes the same buffer back: no allocation.
  OutBuffer b;
  b.append(std::string(500, 'f'));
  EXPECT_EQ(OutBuffer::pooled_buffers(), pooled);
  EXPECT_EQ(b.next_chunk().data(), buffer);
  EXPECT_EQ(b.next_chunk(), std::string(500, 'f'));
  b.consume(500);
  EXPECT_EQ(b.retained_bytes(), 0u);
}

TEST(OutBuffer, ABurstEveryTurnReusesTheSameBuffers) {
  OutBuffer b;
  b.append(std::string(4000, 'a'));
  ASSERT_EQ(b.next_chunk().size(), 4000u);
  b.append(std::string(3000, 'b'));  // queued behind the send
  b.consume(4000);
  // Still busy: the sent buffer stays for the next swap.
  EXPECT_GE(b.retained_bytes(), 2 * OutBuffer::kLargeBufferBytes);
  EXPECT_EQ(b.next_chunk(), std::string(3000, 'b'));
  b.consume(3000);
  EXPECT_EQ(b.retained_bytes(), 0u);
  // Turn after turn the same two pool buffers carry the bursts.
  const std::size_t pooled = OutBuffer::pooled_buffers();
  for (int turn = 0; turn < 100; ++turn) {
    b.append(std::string(11000, static_cast<char>('a' + turn % 26)));
    ASSERT_EQ(b.next_chunk().size(), 11000u);
    b.consume(11000);
    ASSERT_EQ(OutBuffer::pooled_buffers(), pooled);
  }
}

TEST(OutBuffer, ThePoolIsBounded) {
  OutBuffer::trim_pool();
  OutBuffer::trim_pool();  // whatever earlier tests parked is idle now: gone
  std::vector<OutBuffer> queues(OutBuffer::kPoolBuffersMax + 10);
  for (OutBuffer& q : queues) q.append("x");
  for (OutBuffer& q : queues) q.consume(q.next_chunk().size());
  EXPECT_EQ(OutBuffer::pooled_buffers(), OutBuffer::kPoolBuffersMax);
  for (OutBuffer& q : queues) EXPECT_EQ(q.retained_bytes(), 0u);
}

// A storm fills the pool; once it is over, buffers nobody borrowed for a whole
// interval are freed, while those still in use between trims stay parked.
TEST(OutBuffer, TrimFreesWhatTheLastIntervalDidNotUse) {
  OutBuffer::trim_pool();
  OutBuffer::trim_pool();  // whatever earlier tests parked is idle now: gone
  ASSERT_EQ(OutBuffer::pooled_buffers(), 0u);
  std::vector<OutBuffer> storm(300);
  for (OutBuffer& q : storm) q.append("x");
  for (OutBuffer& q : storm) q.consume(q.next_chunk().size());
  ASSERT_EQ(OutBuffer::pooled_buffers(), 300u);
  OutBuffer::trim_pool();  // the storm borrowed all along: nothing idle yet
  EXPECT_EQ(OutBuffer::pooled_buffers(), 300u);
  for (int turn = 0; turn < 5; ++turn) {  // afterwards, 10 busy connections
    for (std::size_t i = 0; i < 10; ++i) storm[i].append("y");
    for (std::size_t i = 0; i < 10; ++i) storm[i].consume(storm[i].next_chunk().size());
  }
  EXPECT_EQ(OutBuffer::trim_pool(), 290u);
  EXPECT_EQ(OutBuffer::pooled_buffers(), 10u);
}

// Hundreds of subscribers owing one event each (a fan-out on the wire) hold a small
// buffer apiece; a queue that outgrows it keeps its bytes, in order, in a large one.
TEST(OutBuffer, AQueueHoldsWhatItOwesNotAWholeBurstBuffer) {
  std::vector<OutBuffer> owing(500);
  std::size_t held = 0;
  for (OutBuffer& q : owing) {
    q.append(std::string(420, 'e'));
    held += q.retained_bytes();
  }
  EXPECT_LE(held, owing.size() * (OutBuffer::kSmallBufferBytes + 64));
  OutBuffer& burst = owing.front();
  for (int i = 0; i < 10; ++i) burst.append(std::string(420, static_cast<char>('a' + i)));
  EXPECT_GE(burst.retained_bytes(), OutBuffer::kLargeBufferBytes);
  std::string expected(420, 'e');
  for (int i = 0; i < 10; ++i) expected += std::string(420, static_cast<char>('a' + i));
  EXPECT_EQ(burst.next_chunk(), expected);
  for (OutBuffer& q : owing) q.reset();
}

TEST(OutBuffer, AWriterThatSaysHowMuchItWritesGetsOneBufferThatFits) {
  OutBuffer b;
  std::string& out = b.pending(9000);
  const char* at = out.data();
  out.append(9000, 's');
  EXPECT_EQ(b.pending().data(), at);  // no reallocation on the way
  EXPECT_EQ(b.next_chunk().size(), 9000u);
  b.reset();
}

TEST(OutBuffer, ResetReturnsTheBuffers) {
  OutBuffer b;
  b.append("abc");
  ASSERT_EQ(b.next_chunk(), "abc");
  b.append("def");
  b.reset();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.retained_bytes(), 0u);
  EXPECT_TRUE(b.next_chunk().empty());
}

}  // namespace
}  // namespace rollcall::net

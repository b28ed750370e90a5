#include "rollcall/net/out_buffer.hpp"

#include <gtest/gtest.h>

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
  b.append(std::string(OutBuffer::kRetainBytes * 4, 'x'));
  const std::size_t n = b.next_chunk().size();
  b.consume(n);
  EXPECT_TRUE(b.empty());
  b.append("y");
  EXPECT_EQ(b.next_chunk(), "y");
}

TEST(OutBuffer, AnIdleQueueKeepsOneSmallBufferAndReusesIt) {
  OutBuffer b;
  // A large one-off answer (a subscriber's snapshot) is not kept once sent.
  b.append(std::string(12 * 1024, 's'));
  b.consume(b.next_chunk().size());
  EXPECT_EQ(b.retained_bytes(), 0u);
  // A small answer's buffer is kept, once, and the next answer reuses it.
  b.append(std::string(600, 'e'));
  b.consume(b.next_chunk().size());
  const std::size_t kept = b.retained_bytes();
  EXPECT_GT(kept, 0u);
  EXPECT_LE(kept, OutBuffer::kIdleRetainBytes + 1);
  b.append(std::string(500, 'f'));
  EXPECT_EQ(b.retained_bytes(), kept);
  EXPECT_EQ(b.next_chunk(), std::string(500, 'f'));
  b.consume(500);
  EXPECT_EQ(b.retained_bytes(), kept);
}

TEST(OutBuffer, ABusyQueueKeepsBothBuffersUpToTheRetainLimit) {
  OutBuffer b;
  b.append(std::string(4000, 'a'));
  ASSERT_EQ(b.next_chunk().size(), 4000u);
  b.append(std::string(3000, 'b'));  // queued behind the send
  b.consume(4000);
  // Still busy: the sent buffer stays for the next swap.
  EXPECT_GE(b.retained_bytes(), 7000u);
  EXPECT_EQ(b.next_chunk(), std::string(3000, 'b'));
  b.consume(3000);
  // Now idle: over kIdleRetainBytes, nothing is kept.
  EXPECT_EQ(b.retained_bytes(), 0u);
}

}  // namespace
}  // namespace rollcall::net

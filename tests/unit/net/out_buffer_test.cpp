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

}  // namespace
}  // namespace rollcall::net

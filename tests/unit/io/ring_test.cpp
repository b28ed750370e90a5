#include "rollcall/io/ring.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "rollcall/io/buf_ring.hpp"
#include "rollcall/io/user_data.hpp"

namespace rollcall::io {
namespace {

TEST(Ring, InitialisesWithTheBestAvailableMode) {
  Ring ring;
  ASSERT_EQ(ring.init(64, 256), 0);
  EXPECT_TRUE(ring.mode() == "defer_taskrun" || ring.mode() == "coop_taskrun" ||
              ring.mode() == "basic");
}

TEST(Ring, FullSubmissionQueueIsSubmittedNotFatal) {
  Ring ring;
  ASSERT_EQ(ring.init(8, 1024), 0);
  // Ten times the SQ size: sqe() must keep handing out entries.
  for (unsigned i = 0; i < 80; ++i) {
    io_uring_sqe* sqe = ring.sqe();
    ASSERT_NE(sqe, nullptr);
    io_uring_prep_nop(sqe);
    io_uring_sqe_set_data64(sqe, make_user_data(Op::Internal, 0, i));
  }
  ASSERT_GE(ring.submit_and_wait(0), 0);
  std::vector<std::uint32_t> seen;
  while (seen.size() < 80) {
    ASSERT_GE(ring.submit_and_wait(1), 0);
    ring.reap([&](const io_uring_cqe& cqe) {
      EXPECT_EQ(cqe.res, 0);
      seen.push_back(index_of(cqe.user_data));
    });
  }
  EXPECT_EQ(seen.size(), 80u);
  EXPECT_EQ(ring.sqes_submitted(), 80u);
}

class BufRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ring_.init(64, 256), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
  }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  void arm_recv(std::uint16_t group) {
    io_uring_sqe* sqe = ring_.sqe();
    io_uring_prep_recv_multishot(sqe, fds_[0], nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = group;
    io_uring_sqe_set_data64(sqe, make_user_data(Op::Recv, 0, 0));
  }
  // Waits for one CQE and returns a copy of it.
  io_uring_cqe next_cqe() {
    io_uring_cqe out{};
    bool got = false;
    while (!got) {
      EXPECT_GE(ring_.submit_and_wait(1), 0);
      io_uring_cqe* cqe = nullptr;
      if (io_uring_peek_cqe(ring_.raw(), &cqe) == 0 && cqe != nullptr) {
        out = *cqe;
        io_uring_cqe_seen(ring_.raw(), cqe);
        got = true;
      }
    }
    return out;
  }

  Ring ring_;
  int fds_[2] = {-1, -1};
};

TEST_F(BufRingTest, MultishotRecvFillsProvidedBuffers) {
  BufRing buffers;
  ASSERT_EQ(buffers.init(ring_.raw(), 1, 4, 64), 0);
  arm_recv(1);
  const std::string msg = "hello over a provided buffer";
  ASSERT_EQ(::write(fds_[1], msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
  const io_uring_cqe cqe = next_cqe();
  ASSERT_EQ(cqe.res, static_cast<int>(msg.size()));
  ASSERT_TRUE(cqe.flags & IORING_CQE_F_BUFFER);
  EXPECT_TRUE(cqe.flags & IORING_CQE_F_MORE);  // still armed
  const std::uint16_t bid = BufRing::buffer_id_of(cqe.flags);
  EXPECT_EQ(std::string(buffers.buffer(bid), msg.size()), msg);
  buffers.recycle(bid);
}

TEST_F(BufRingTest, RunningOutOfBuffersEndsRecvWithEnobufsAndRecyclingRecovers) {
  BufRing buffers;
  ASSERT_EQ(buffers.init(ring_.raw(), 2, 2, 16), 0);
  arm_recv(2);
  std::vector<std::uint16_t> held;
  // Two writes fill both buffers (we hold them); the third finds none.
  for (int i = 0; i < 3; ++i) {
    const std::string msg = "msg" + std::to_string(i);
    ASSERT_EQ(::write(fds_[1], msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
    const io_uring_cqe cqe = next_cqe();
    if (i < 2) {
      ASSERT_GT(cqe.res, 0);
      held.push_back(BufRing::buffer_id_of(cqe.flags));
    } else {
      EXPECT_EQ(cqe.res, -ENOBUFS);
      EXPECT_FALSE(cqe.flags & IORING_CQE_F_MORE);  // must be re-armed by us
    }
  }
  for (std::uint16_t bid : held) buffers.recycle(bid);
  arm_recv(2);
  const io_uring_cqe cqe = next_cqe();
  ASSERT_GT(cqe.res, 0);  // the bytes that waited in the socket arrive now
  EXPECT_EQ(std::string(buffers.buffer(BufRing::buffer_id_of(cqe.flags)),
                        static_cast<std::size_t>(cqe.res)),
            "msg2");
}

// Only kFirstProvided buffers circulate at first (so only they become resident);
// running out puts as many again into circulation, up to the mapped count, and the
// recv that waited then lands in a buffer that was never handed out before.
TEST_F(BufRingTest, BuffersGoIntoCirculationOnlyWhenTheFirstRunOut) {
  BufRing buffers;
  ASSERT_EQ(buffers.init(ring_.raw(), 4, 1024, 16), 0);
  EXPECT_EQ(buffers.provided(), BufRing::kFirstProvided);
  arm_recv(4);
  std::vector<std::uint16_t> held;
  for (unsigned i = 0; i <= BufRing::kFirstProvided; ++i) {
    ASSERT_EQ(::write(fds_[1], "x", 1), 1);
    const io_uring_cqe cqe = next_cqe();
    if (i < BufRing::kFirstProvided) {
      ASSERT_EQ(cqe.res, 1);
      const std::uint16_t bid = BufRing::buffer_id_of(cqe.flags);
      EXPECT_LT(bid, BufRing::kFirstProvided);
      held.push_back(bid);
    } else {
      ASSERT_EQ(cqe.res, -ENOBUFS);
    }
  }
  EXPECT_TRUE(buffers.grow());
  EXPECT_EQ(buffers.provided(), 2 * BufRing::kFirstProvided);
  arm_recv(4);
  const io_uring_cqe cqe = next_cqe();
  ASSERT_EQ(cqe.res, 1);
  EXPECT_GE(BufRing::buffer_id_of(cqe.flags), BufRing::kFirstProvided);
  while (buffers.grow()) {
  }
  EXPECT_EQ(buffers.provided(), 1024u);
  for (const std::uint16_t bid : held) buffers.recycle(bid);
}

// Incremental consumption: short receives share one buffer, each after the last;
// the buffer comes back only with the completion that used its end.
TEST_F(BufRingTest, IncrementalBuffersCarryManyReceivesEachAfterTheLast) {
  BufRing buffers;
  ASSERT_EQ(buffers.init(ring_.raw(), 5, 2, 16, true), 0);
  if (!buffers.incremental()) GTEST_SKIP() << "kernel without IOU_PBUF_RING_INC (6.12+)";
  arm_recv(5);
  auto receive = [&](std::string_view msg) {
    EXPECT_EQ(::write(fds_[1], msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
    const io_uring_cqe cqe = next_cqe();
    EXPECT_GT(cqe.res, 0);
    const std::uint16_t bid = BufRing::buffer_id_of(cqe.flags);
    const std::string got(buffers.data(bid), static_cast<std::size_t>(cqe.res));
    buffers.consumed(bid, cqe.flags, static_cast<std::size_t>(cqe.res));
    return std::make_pair(bid, got);
  };
  const auto [first_bid, first] = receive("abc");
  const auto [second_bid, second] = receive("defgh");
  EXPECT_EQ(first, "abc");
  EXPECT_EQ(second, "defgh");
  EXPECT_EQ(first_bid, second_bid);  // both in one buffer: 8 of its 16 bytes used
  // 8 bytes left: a 12-byte message ends this buffer and starts the next.
  const auto [end_bid, end] = receive("ijklmnopqrst");
  EXPECT_EQ(end_bid, first_bid);
  EXPECT_EQ(end, "ijklmnop");
  const auto [next_bid, rest] = receive("");  // the 4 bytes still in the socket
  EXPECT_NE(next_bid, first_bid);
  EXPECT_EQ(rest, "qrst");
  // Four times around the two buffers: each came back when its end was used (a
  // message that crosses a buffer's end arrives in two completions).
  for (int i = 0; i < 8; ++i) {
    std::string got = receive("0123456789abcdef").second;
    if (got.size() < 16) got += receive("").second;
    ASSERT_EQ(got, "0123456789abcdef");
  }
}

TEST_F(BufRingTest, RejectsCountsThatAreNotPowersOfTwo) {
  BufRing buffers;
  EXPECT_EQ(buffers.init(ring_.raw(), 3, 3, 16), -EINVAL);
}

}  // namespace
}  // namespace rollcall::io

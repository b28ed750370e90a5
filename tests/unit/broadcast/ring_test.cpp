#include "rollcall/broadcast/ring.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace rollcall::broadcast {
namespace {

std::string frame_for(std::uint64_t seq, char tag, std::size_t bytes) {
  std::string s = std::to_string(seq) + tag;
  s.resize(bytes, static_cast<char>('a' + seq % 26));
  return s;
}

TEST(ClassRing, AudiencesComeBackSeparately) {
  ClassRing ring(8, 4096);
  EventFrames f;
  f.published_ns = 123456789;
  f.staff = "staff-frame";
  f.student = "";
  f.personal = {{5, "for-5"}, {9, "for-nine"}};
  ASSERT_TRUE(ring.publish(1, f));
  std::string blob;
  ASSERT_EQ(ring.read(1, blob), ClassRing::Read::Ok);
  const EventView v(blob);
  EXPECT_EQ(v.staff(), "staff-frame");
  EXPECT_EQ(v.published_ns(), 123456789u);
  EXPECT_EQ(v.student(), "");
  EXPECT_EQ(v.personal(5), "for-5");
  EXPECT_EQ(v.personal(9), "for-nine");
  EXPECT_EQ(v.personal(7), "");  // another student gets nothing personal
  EXPECT_EQ(ring.read(2, blob), ClassRing::Read::NotYet);
}

// An override's personal frame and a counts update's student frame are the staff
// frame byte for byte: stored once, read back as before.
TEST(ClassRing, FramesEqualToTheStaffFrameAreStoredOnce) {
  const std::string staff(300, 's');
  EventFrames f;
  f.staff = staff;
  f.student = staff;
  f.personal = {{5, staff}, {7, "only-for-seven"}};
  const std::string blob = ClassRing::encode_blob(f);
  EXPECT_LT(blob.size(), 24 + 32 + staff.size() + 16 + 8);  // header, 2 entries, staff, 7's
  const EventView v(blob);
  EXPECT_EQ(v.staff(), staff);
  EXPECT_EQ(v.student(), staff);
  EXPECT_EQ(v.personal(5), staff);
  EXPECT_EQ(v.personal(7), "only-for-seven");
  EXPECT_EQ(v.personal(6), "");
  ASSERT_EQ(v.personal_frames().size(), 2u);
  EXPECT_EQ(v.personal_frames()[1].frame, "only-for-seven");
  ClassRing ring(8, 4096);
  ASSERT_TRUE(ring.publish(1, f));
  std::string read;
  ASSERT_EQ(ring.read(1, read), ClassRing::Read::Ok);
  EXPECT_EQ(read, blob);
}

TEST(ClassRing, OldEventsAreGoneWhenSlotsOrBytesAreReused) {
  ClassRing slots_bound(4, 1 << 16);
  for (std::uint64_t s = 1; s <= 6; ++s)
    ASSERT_TRUE(slots_bound.publish(s, {0, frame_for(s, 'T', 40), "", {}}));
  std::string blob;
  EXPECT_EQ(slots_bound.read(2, blob), ClassRing::Read::Gone);
  EXPECT_EQ(slots_bound.read(3, blob), ClassRing::Read::Ok);
  EXPECT_EQ(slots_bound.first_seq(), 3u);

  ClassRing bytes_bound(1024, 1024);  // about 4 events of 250 bytes fit
  for (std::uint64_t s = 1; s <= 20; ++s)
    ASSERT_TRUE(bytes_bound.publish(s, {0, frame_for(s, 'T', 230), "", {}}));
  EXPECT_EQ(bytes_bound.read(10, blob), ClassRing::Read::Gone);
  ASSERT_EQ(bytes_bound.read(20, blob), ClassRing::Read::Ok);
  EXPECT_EQ(EventView(blob).staff(), frame_for(20, 'T', 230));
  EXPECT_GE(bytes_bound.first_seq(), 15u);
  EXPECT_GT(bytes_bound.evictions(), 0u);
}

TEST(ClassRing, AnEventLargerThanTheArenaIsRefused) {
  ClassRing ring(8, 1024);
  const std::string big(2000, 'x');
  EXPECT_FALSE(ring.publish(1, {0, big, "", {}}));
  EXPECT_EQ(ring.last_seq(), 0u);
}

// One producer, three reader threads: every Ok read must be exactly the event
// published under that seq (never a mix of two), and readers that fall behind see
// Gone, never garbage (with a codec: never a torn frame handed to the decompressor).
void readers_never_see_a_torn_event(const BlobCodec* codec) {
  ClassRing ring(64, 8192, codec);
  constexpr std::uint64_t kEvents = 200'000;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> ok_reads{0}, gone_reads{0}, bad_reads{0};
  auto reader = [&] {
    std::string blob;
    std::uint64_t next = 1;
    while (!done.load(std::memory_order_acquire) || next <= ring.last_seq()) {
      const ClassRing::Read r = ring.read(next, blob);
      if (r == ClassRing::Read::NotYet) continue;
      if (r == ClassRing::Read::Gone) {
        gone_reads.fetch_add(1);
        next = ring.first_seq() > next ? ring.first_seq() : next + 1;
        continue;
      }
      const EventView v(blob);
      const std::size_t size = 50 + next % 300;
      if (v.staff() != frame_for(next, 'S', size) ||
          v.personal(next % 7) != frame_for(next, 'P', 20)) {
        bad_reads.fetch_add(1);
      }
      ok_reads.fetch_add(1);
      ++next;
    }
  };
  std::thread r1(reader), r2(reader), r3(reader);
  for (std::uint64_t s = 1; s <= kEvents; ++s) {
    const std::string staff = frame_for(s, 'S', 50 + s % 300);
    const std::string personal = frame_for(s, 'P', 20);
    ASSERT_TRUE(ring.publish(s, {s, staff, "", {{s % 7, personal}}}));
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  r3.join();
  EXPECT_EQ(bad_reads.load(), 0u);
  EXPECT_GT(ok_reads.load(), 0u);
}

TEST(ClassRing, ConcurrentReadersNeverSeeATornEvent) {
  readers_never_see_a_torn_event(nullptr);
}

TEST(ClassRing, ConcurrentReadersNeverSeeATornCompressedEvent) {
  const BlobCodec codec(frame_for(1, 'S', 300) + frame_for(2, 'P', 20));
  readers_never_see_a_torn_event(&codec);
}

// JSON-like events that share their shape: compressed, the same arena keeps several
// times as many of them readable, and each comes back byte for byte.
TEST(ClassRing, ACodecKeepsMoreHistoryInTheSameArena) {
  auto staff_of = [](std::uint64_t seq) {
    return R"({"type":"attendance_update","seq":)" + std::to_string(seq) +
           R"(,"data":{"student_id":)" + std::to_string(1000 + seq % 40) +
           R"(,"attendance_status":"excused","is_manual_override":true,"override_reason":"doctor"}})";
  };
  const BlobCodec codec(staff_of(1) + staff_of(2));
  ClassRing plain(1024, 16 * 1024), packed(1024, 16 * 1024, &codec);
  for (std::uint64_t seq = 1; seq <= 600; ++seq) {
    const std::string staff = staff_of(seq);
    ASSERT_TRUE(plain.publish(seq, {seq, staff, "", {}}));
    ASSERT_TRUE(packed.publish(seq, {seq, staff, "", {}}));
  }
  const std::uint64_t plain_held = plain.last_seq() - plain.first_seq() + 1;
  const std::uint64_t packed_held = packed.last_seq() - packed.first_seq() + 1;
  EXPECT_GE(packed_held, 3 * plain_held);
  std::string blob;
  for (std::uint64_t seq = packed.first_seq(); seq <= packed.last_seq(); ++seq) {
    ASSERT_EQ(packed.read(seq, blob), ClassRing::Read::Ok);
    EXPECT_EQ(EventView(blob).staff(), staff_of(seq));
  }
}

TEST(ClassRing, AnEventLargerThanTheArenaIsRefusedEvenIfItCompresses) {
  const BlobCodec codec("xxxxxxxx");
  ClassRing ring(8, 1024, &codec);
  EXPECT_FALSE(ring.publish(1, {0, std::string(2000, 'x'), "", {}}));
  EXPECT_EQ(ring.last_seq(), 0u);
}

}  // namespace
}  // namespace rollcall::broadcast

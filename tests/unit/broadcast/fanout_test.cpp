#include "rollcall/broadcast/fanout.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../allocation_counter.hpp"

namespace rollcall::broadcast {
namespace {

struct Audience {
  std::vector<std::unique_ptr<net::OutBuffer>> outs;
  std::vector<std::unique_ptr<Subscriber>> subs;
  std::vector<Subscriber*> ptrs;
  void add(std::uint64_t user, bool staff) {
    outs.push_back(std::make_unique<net::OutBuffer>());
    auto s = std::make_unique<Subscriber>();
    s->user = user;
    s->staff = staff;
    s->out = outs.back().get();
    ptrs.push_back(s.get());
    subs.push_back(std::move(s));
  }
  std::string take(std::size_t i) {
    std::string out(outs[i]->next_chunk());
    outs[i]->consume(out.size());
    return out;
  }
};

TEST(Fanout, EachAudienceGetsItsFrameAndNothingElse) {
  ClassRing ring(16, 1 << 16);
  Audience a;
  a.add(2, true);    // teacher
  a.add(10, false);  // the student concerned
  a.add(11, false);  // another student
  // A check-in of student 10: staff see it, student 10 gets their own, 11 nothing.
  ASSERT_TRUE(ring.publish(1, {0, "STAFF:10 checked in", "", {{10, "YOU:checked in"}}}));
  // Counts: everyone.
  ASSERT_TRUE(ring.publish(2, {0, "COUNTS", "COUNTS", {}}));
  std::string blob;
  const FanoutResult r = fan_out(ring, a.ptrs, blob, nullptr);
  EXPECT_EQ(r.events, 2u);
  EXPECT_EQ(r.frames, 5u);
  EXPECT_EQ(a.take(0), "STAFF:10 checked inCOUNTS");
  EXPECT_EQ(a.take(1), "YOU:checked inCOUNTS");
  EXPECT_EQ(a.take(2), "COUNTS");
  for (const Subscriber* s : a.ptrs) EXPECT_EQ(s->cursor, 2u);
  EXPECT_EQ(fan_out(ring, a.ptrs, blob, nullptr).frames, 0u);  // nothing doubled
}

TEST(Fanout, ALaggingCursorIsReportedNotSkippedSilently) {
  ClassRing ring(4, 1 << 16);
  Audience a;
  a.add(2, true);
  for (std::uint64_t s = 1; s <= 10; ++s) ASSERT_TRUE(ring.publish(s, {0, "E", "E", {}}));
  std::string blob;
  const FanoutResult r = fan_out(ring, a.ptrs, blob, nullptr);
  EXPECT_EQ(r.lapped_at, 6u);  // seq 1..6 are gone: the subscriber must resync
  EXPECT_EQ(a.ptrs[0]->cursor, 0u);
  EXPECT_EQ(a.take(0), "");  // and got none of the later events (no silent gap)
}

TEST(Fanout, ALaggingSubscriberDoesNotHoldBackTheOthers) {
  ClassRing ring(4, 1 << 16);
  Audience a;
  a.add(2, true);  // far behind
  a.add(3, true);  // saw up to 8
  a.add(4, true);  // saw up to 5: 6 is gone, so it is lapped too
  for (std::uint64_t s = 1; s <= 10; ++s)
    ASSERT_TRUE(ring.publish(s, {0, std::to_string(s), "", {}}));
  a.ptrs[1]->cursor = 8;
  a.ptrs[2]->cursor = 5;
  std::string blob;
  const FanoutResult r = fan_out(ring, a.ptrs, blob, nullptr);
  EXPECT_EQ(r.lapped_at, 6u);
  EXPECT_EQ(a.take(1), "910");  // delivered in this very call
  EXPECT_EQ(a.ptrs[1]->cursor, 10u);
  EXPECT_EQ(a.take(0), "");
  EXPECT_EQ(a.take(2), "");
  EXPECT_EQ(a.ptrs[0]->cursor, 0u);
  EXPECT_EQ(a.ptrs[2]->cursor, 5u);
}

TEST(Fanout, AnEventTooLargeForTheRingLapsEveryoneBehindIt) {
  ClassRing ring(8, 4096);
  Audience a;
  a.add(2, true);
  ASSERT_TRUE(ring.publish(1, {0, "one", "", {}}));
  std::string blob;
  fan_out(ring, a.ptrs, blob, nullptr);
  EXPECT_EQ(a.take(0), "one");
  const std::string huge(8192, 'x');
  ASSERT_FALSE(ring.publish(2, {0, huge, "", {}}));
  ring.skip(2);  // what the owner does then: seq 2 is taken but never readable
  EXPECT_EQ(ring.last_seq(), 2u);
  EXPECT_EQ(ring.read(1, blob), ClassRing::Read::Gone);
  EXPECT_EQ(ring.read(2, blob), ClassRing::Read::Gone);
  FanoutResult r = fan_out(ring, a.ptrs, blob, nullptr);
  EXPECT_EQ(r.lapped_at, 2u);
  EXPECT_EQ(a.ptrs[0]->cursor, 1u);
  // The ring goes on: a subscriber that (re)starts at 2 gets 3.
  ASSERT_TRUE(ring.publish(3, {0, "three", "", {}}));
  a.ptrs[0]->cursor = 2;
  r = fan_out(ring, a.ptrs, blob, nullptr);
  EXPECT_EQ(r.lapped_at, 0u);
  EXPECT_EQ(a.take(0), "three");
}

TEST(Fanout, AWarmDeliveryAllocatesNothingPerSubscriber) {
  ClassRing ring(1024, 1 << 20);
  Audience a;
  for (std::uint64_t u = 1; u <= 1000; ++u) a.add(u, u % 30 == 1);
  std::string blob;
  blob.reserve(1 << 16);
  const std::string staff(400, 's'), student(120, 'c'), personal(400, 'p');
  // A check-in of student 7 each time: staff frame, student 7's own, others the counts.
  const EventFrames frames{0, staff, student, {{7, personal}}};
  auto round = [&](std::uint64_t seq) {
    ASSERT_TRUE(ring.publish(seq, frames));
    fan_out(ring, a.ptrs, blob, nullptr);
    for (std::size_t i = 0; i < a.outs.size(); ++i)
      a.outs[i]->consume(a.outs[i]->next_chunk().size());
  };
  for (std::uint64_t seq = 1; seq <= 3; ++seq) round(seq);  // warm: queues reach their size
  // 100 more events to 1000 subscribers: publishing reuses its staging buffer and
  // fan-out appends into warm queues, so nothing is allocated at all.
  rollcall::testing::start_counting_allocations();
  for (std::uint64_t seq = 4; seq <= 103; ++seq) {
    ring.publish(seq, frames);
    fan_out(ring, a.ptrs, blob, nullptr);
    for (std::size_t i = 0; i < a.outs.size(); ++i)
      a.outs[i]->consume(a.outs[i]->next_chunk().size());
  }
  const std::size_t allocations = rollcall::testing::stop_counting_allocations();
  EXPECT_EQ(allocations, 0u) << "100 events x 1000 subscribers";
}

}  // namespace
}  // namespace rollcall::broadcast

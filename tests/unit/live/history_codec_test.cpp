#include "rollcall/live/history_codec.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "rollcall/live/events.hpp"

namespace rollcall::live {
namespace {

using namespace domain;

// A teacher's override in a class unlike the dictionary's samples (other ids,
// names, reason, times): its two events as the owner publishes them.
std::vector<FeedEvent> an_override() {
  RosterBuilder b;
  b.add_user(
      User{UserId{40213}, "mfernandez", "María Fernández-Okafor", Role::Student, {}, {}, {}});
  b.add_class(ClassInfo{ClassId{311}, "Algebra II, period 3", "QX7P2M", {}, {}, {}});
  b.enroll(UserId{40213}, ClassId{311});
  const std::shared_ptr<const Roster> roster = b.build();
  const ClassInfo& cls = *roster->class_info(ClassId{311});
  Session s;
  s.id = make_session_id(cls.id, 1);
  s.class_id = cls.id;
  s.starts_at_ms = 1'801'234'567'890;
  s.late_after_minutes = 10;
  s.verification_code = "905118";
  ClassAttendance att(cls.id);
  att.restore(std::deque<Session>{s});
  Record r;
  r.student = UserId{40213};
  r.status = AttendanceStatus::Excused;
  r.method = Method::TeacherOverride;
  r.is_manual_override = true;
  r.override_reason = "rollcall-load #48213";
  r.timestamp_ms = s.starts_at_ms + 754'321;
  const std::vector<Event> events{Event{Event::Kind::RecordChanged, s.id, {r}, true, 0, {}}};
  return feed_events(*roster, cls, att, events, r.timestamp_ms);
}

TEST(HistoryCodec, AnOverrideTakesUnderTwoFifthsOfItsBytesAndComesBackWhole) {
  const std::vector<FeedEvent> events = an_override();
  ASSERT_EQ(events.size(), 2u);  // the record, then the counts
  std::size_t raw = 0, packed = 0;
  std::uint64_t seq = 90'001;
  EventFrameBuffers buffers;
  std::string compressed, back;
  for (const FeedEvent& e : events) {
    const broadcast::EventFrames frames =
        build_event_frames(e, 311, seq++, epoch_hex(0xc0ffee11), buffers);
    const std::string blob = broadcast::ClassRing::encode_blob(frames);
    history_codec().compress(blob, compressed);
    raw += blob.size();
    packed += compressed.size();
    ASSERT_TRUE(history_codec().decompress(compressed + std::string(7, '\0'), back, blob.size()));
    EXPECT_EQ(back, blob);
  }
  EXPECT_GT(raw, 700u);
  EXPECT_LT(packed * 5, raw * 2) << "record + counts: " << raw << " bytes, compressed " << packed;
}

TEST(HistoryCodec, WhatIsNotAFrameOrTooLargeIsRefused) {
  const std::string blob = std::string(64, 'a') + "attendance_update";
  std::string packed, back;
  history_codec().compress(blob, packed);
  EXPECT_FALSE(history_codec().decompress(packed, back, blob.size() - 1));
  EXPECT_FALSE(history_codec().decompress(std::string(16, '\0'), back, 1 << 20));
  EXPECT_FALSE(history_codec().decompress(packed.substr(0, packed.size() / 2), back, 1 << 20));
  EXPECT_TRUE(history_codec().decompress(packed, back, blob.size()));
  EXPECT_EQ(back, blob);
}

}  // namespace
}  // namespace rollcall::live

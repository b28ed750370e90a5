#include "rollcall/live/history_codec.hpp"

#include <deque>
#include <vector>

#include "rollcall/live/events.hpp"

namespace rollcall::live {

using namespace domain;

namespace {

constexpr std::int64_t kSampleMs = 1'795'000'000'000;  // a school morning in 2026
constexpr std::uint64_t kClass = 7;
constexpr std::uint64_t kStudent = 12;

std::shared_ptr<const Roster> sample_roster() {
  RosterBuilder b;
  b.add_user(User{UserId{kStudent}, "student012", "Student 012", Role::Student, {}, {}, {}});
  b.add_class(ClassInfo{ClassId{kClass}, "Class 7", "JOIN7A", {}, {}, {}});
  b.enroll(UserId{kStudent}, ClassId{kClass});
  return b.build();
}

Record sample_record(AttendanceStatus status, Method method) {
  Record r;
  r.student = UserId{kStudent};
  r.status = status;
  r.method = method;
  r.timestamp_ms = kSampleMs + 61'000;
  if (method == Method::TeacherOverride) {
    r.is_manual_override = true;
    r.override_reason = "doctor";
  } else {
    r.check_in_time_ms = kSampleMs + 61'000;
  }
  return r;
}

// Every kind of event a class publishes, as feed_events makes them.
std::vector<FeedEvent> sample_events(const Roster& roster) {
  const ClassInfo& cls = *roster.class_info(ClassId{kClass});
  Session s;
  s.id = make_session_id(cls.id, 1);  // restore wants sessions 1, 2, ... in order
  s.class_id = cls.id;
  s.starts_at_ms = kSampleMs;
  s.late_after_minutes = 5;
  s.verification_code = "482913";
  ClassAttendance att(cls.id);
  att.restore(std::deque<Session>{s});
  const Record present = sample_record(AttendanceStatus::Present, Method::QrCode);
  const Record excused = sample_record(AttendanceStatus::Excused, Method::TeacherOverride);
  const Record absent = sample_record(AttendanceStatus::Absent, Method::Bulk);
  std::vector<Event> events;
  events.push_back(Event{Event::Kind::SessionOpened, s.id, {}, false, 0, {}});
  events.push_back(Event{Event::Kind::CheckedIn, s.id, {present}, true, 0, {}});
  events.push_back(Event{Event::Kind::RecordChanged, s.id, {excused}, false, 0, {}});
  events.push_back(Event{Event::Kind::BulkChanged, s.id, {absent}, false, 0, {}});
  events.push_back(Event{Event::Kind::SessionClosed, s.id, {}, false, 0, {}});
  std::vector<FeedEvent> out = feed_events(roster, cls, att, events, kSampleMs + 61'000);
  if (const User* u = roster.user(UserId{kStudent}))
    out.push_back(student_joined_class_event(*u, kSampleMs));
  return out;
}

}  // namespace

std::string history_dictionary() {
  const std::shared_ptr<const Roster> roster = sample_roster();
  std::string dictionary;
  EventFrameBuffers buffers;
  std::uint64_t seq = 17;
  for (const FeedEvent& e : sample_events(*roster)) {
    const broadcast::EventFrames frames =
        build_event_frames(e, kClass, seq++, epoch_hex(0x5b1e0c2d), buffers);
    dictionary += broadcast::ClassRing::encode_blob(frames);
  }
  return dictionary;
}

const broadcast::BlobCodec& history_codec() {
  static const broadcast::BlobCodec codec(history_dictionary());
  return codec;
}

}  // namespace rollcall::live

// JSON encoding of what the API and the live feed send: an AttendanceRecord, and
// one event encoded for every audience (staff, students, the student concerned).

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "rollcall/app/demo.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/wire/json.hpp"

namespace rollcall::live {
namespace {

using namespace domain;

struct Fixture {
  std::shared_ptr<const Roster> roster = app::build_demo_roster({3, 30});
  const ClassInfo& cls = *roster->class_info(ClassId{1});
  ClassAttendance att{ClassId{1}};
  SessionId sid;
  std::vector<Event> check_in_events;  ///< what the check-in below announced
  Fixture() {
    const Outcome opened =
        att.apply(cls, OpenSession{cls.id, UserId{2}, 5, "123456", 1'795'334'400'000});
    if (!opened.applied()) std::abort();
    sid = opened.session;
    const Outcome checked_in = att.apply(cls, CheckIn{cls.id, sid, cls.students[0], Method::QrCode,
                                                      1'795'334'460'000, 1'795'334'460'000, ""});
    const Outcome overridden = att.apply(
        cls, Override{cls.id, sid, UserId{2}, cls.students[1], AttendanceStatus::Excused,
                      std::string("Arzttermin 🩺"), 1'795'334'470'000, 1'795'334'470'000, ""});
    if (!checked_in.applied() || !overridden.applied()) std::abort();
    check_in_events = checked_in.events;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_AttendanceRecordJson(benchmark::State& state) {
  Fixture& f = fixture();
  const Session& s = *f.att.session(f.sid);
  const Record r = s.record_of(f.cls.students[1]);
  std::string out;
  for (auto _ : state) {
    out.clear();
    JsonWriter w(out);
    wire::write_record(w, *f.roster, f.cls, s, r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AttendanceRecordJson);

// A check-in as the owner publishes it: feed events (student_joined + counts) and
// their WebSocket frames for every audience.
void BM_CheckInEventFrames(benchmark::State& state) {
  Fixture& f = fixture();
  const std::vector<Event>& events = f.check_in_events;  // student_joined (+ counts)
  EventFrameBuffers buffers;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::vector<FeedEvent> feed = feed_events(*f.roster, f.cls, f.att, events, 1'795'334'460'000);
    std::uint64_t seq = 1;
    for (const FeedEvent& e : feed) {
      const broadcast::EventFrames frames = build_event_frames(e, 1, seq++, "9f1c2a7b", buffers);
      bytes += frames.staff.size() + frames.student.size();
      benchmark::DoNotOptimize(frames.staff.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckInEventFrames);

}  // namespace
}  // namespace rollcall::live

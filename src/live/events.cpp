#include "rollcall/live/events.hpp"

#include <algorithm>
#include <cstdio>

#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/wire/json.hpp"
#include "rollcall/ws/codec.hpp"

namespace rollcall::live {

using namespace domain;
using wire::write_counts;
using wire::write_record;
using wire::write_session;

namespace {

std::string session_data(const ClassInfo& cls, const Session& s, bool with_code,
                         std::int64_t now_ms) {
  std::string out;
  JsonWriter w(out);
  write_session(w, cls, s, with_code, now_ms);
  return out;
}

std::string record_data(const Roster& roster, const ClassInfo& cls, const Session& s,
                        const Record& r, std::string_view change) {
  std::string out;
  JsonWriter w(out);
  write_record(w, roster, cls, s, r, change);
  return out;
}

std::string bulk_data(const Roster& roster, const ClassInfo& cls, const Session& s,
                      const std::vector<Record>& records) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("operation", "bulk").key("records").begin_array();
  for (const Record& r : records) write_record(w, roster, cls, s, r);
  w.end_array().field("updated", static_cast<std::uint64_t>(records.size())).end_object();
  return out;
}

FeedEvent state_changed(const ClassInfo& cls, const Session& s, std::int64_t now_ms) {
  FeedEvent e;
  e.type = "attendance_state_changed";
  e.timestamp_ms = now_ms;
  JsonWriter w(e.staff);
  w.begin_object().field("class_session_id", s.id.value).key("counts");
  write_counts(w, count(cls, s));
  w.end_object();
  e.student = e.staff;  // counts only: everyone may see them
  return e;
}

}  // namespace

std::vector<FeedEvent> feed_events(const Roster& roster, const ClassInfo& cls,
                                   const ClassAttendance& att, const std::vector<Event>& events,
                                   std::int64_t now_ms) {
  std::vector<FeedEvent> out;
  for (const Event& ev : events) {
    if (ev.kind == Event::Kind::StudentJoinedClass) {
      if (const User* u = roster.user(ev.student)) {
        out.push_back(student_joined_class_event(*u, now_ms));
      }
      continue;
    }
    const Session* s = att.session(ev.session);
    if (s == nullptr) continue;
    FeedEvent e;
    e.timestamp_ms = now_ms;
    switch (ev.kind) {
      case Event::Kind::SessionOpened:
      case Event::Kind::SessionClosed:
        e.type = ev.kind == Event::Kind::SessionOpened ? "session_opened" : "session_closed";
        e.staff = session_data(cls, *s, true, now_ms);
        e.student = session_data(cls, *s, false, now_ms);
        out.push_back(std::move(e));
        if (ev.kind == Event::Kind::SessionClosed) out.push_back(state_changed(cls, *s, now_ms));
        break;
      case Event::Kind::CheckedIn:
      case Event::Kind::RecordChanged: {
        const Record& r = ev.records.front();
        const bool check_in = ev.kind == Event::Kind::CheckedIn;
        e.type = check_in ? "student_joined" : "attendance_update";
        e.staff = record_data(roster, cls, *s, r, check_in || ev.created ? "created" : "updated");
        e.personal.emplace_back(r.student.value, e.staff);  // their own record only
        out.push_back(std::move(e));
        out.push_back(state_changed(cls, *s, now_ms));
        break;
      }
      case Event::Kind::StudentJoinedClass: break;  // (above)
      case Event::Kind::BulkChanged: {
        e.type = "attendance_update";
        e.staff = bulk_data(roster, cls, *s, ev.records);
        std::vector<Record> sorted = ev.records;
        std::sort(sorted.begin(), sorted.end(),
                  [](const Record& a, const Record& b) { return a.student < b.student; });
        for (const Record& r : sorted)
          e.personal.emplace_back(r.student.value, bulk_data(roster, cls, *s, {r}));
        out.push_back(std::move(e));
        out.push_back(state_changed(cls, *s, now_ms));
        break;
      }
    }
  }
  return out;
}

FeedEvent student_joined_class_event(const User& student, std::int64_t now_ms) {
  FeedEvent e;
  e.type = "student_joined_class";
  e.timestamp_ms = now_ms;
  JsonWriter w(e.staff);
  w.begin_object()
      .field("student_id", student.id.value)
      .field("student_name", student.name)
      .end_object();
  return e;  // teachers only: another student's name never reaches a student
}

void append_event_frame(std::string& out, std::string_view type, std::uint64_t class_id,
                        std::uint64_t seq, std::string_view epoch, std::int64_t timestamp_ms,
                        std::string_view data) {
  append_event_frame(out, type, class_id, seq, epoch, timestamp_ms, {data});
}

void append_event_frame(std::string& out, std::string_view type, std::uint64_t class_id,
                        std::uint64_t seq, std::string_view epoch, std::int64_t timestamp_ms,
                        std::initializer_list<std::string_view> data) {
  thread_local std::string head;  // the envelope up to "data": (small, reused)
  head.clear();
  JsonWriter w(head);
  w.begin_object()
      .field("type", type)
      .field("class_id", class_id)
      .field("seq", seq)
      .field("epoch", epoch);
  w.key("timestamp").time_ms(timestamp_ms).key("data");
  std::size_t payload = head.size() + 1;  // ... "}"
  for (const std::string_view part : data) payload += part.size();
  out.reserve(out.size() + ws::frame_header_bytes(payload) + payload);
  ws::append_frame_header(out, ws::Opcode::Text, payload);
  out.append(head);
  for (const std::string_view part : data) out.append(part);
  out.push_back('}');
}

}  // namespace rollcall::live

namespace rollcall::live {

bool parse_epoch(std::string_view text, std::uint32_t& out) {
  if (text.size() != 8) return false;
  std::uint32_t v = 0;
  for (const char ch : text) {
    int d;
    if (ch >= '0' && ch <= '9') {
      d = ch - '0';
    } else if (ch >= 'a' && ch <= 'f') {
      d = ch - 'a' + 10;
    } else {
      return false;
    }
    v = v * 16 + static_cast<std::uint32_t>(d);
  }
  out = v;
  return true;
}

std::string epoch_hex(std::uint32_t epoch) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", epoch);
  return buf;
}

broadcast::EventFrames build_event_frames(const FeedEvent& e, std::uint64_t class_id,
                                          std::uint64_t seq, std::string_view epoch,
                                          EventFrameBuffers& b) {
  b.staff.clear();
  b.student.clear();
  append_event_frame(b.staff, e.type, class_id, seq, epoch, e.timestamp_ms, e.staff);
  if (!e.student.empty())
    append_event_frame(b.student, e.type, class_id, seq, epoch, e.timestamp_ms, e.student);
  b.personal.resize(e.personal.size());
  broadcast::EventFrames frames{monotonic_ns(), b.staff, b.student, {}};
  for (std::size_t i = 0; i < e.personal.size(); ++i) {
    b.personal[i].clear();
    append_event_frame(b.personal[i], e.type, class_id, seq, epoch, e.timestamp_ms,
                       e.personal[i].second);
    frames.personal.push_back({e.personal[i].first, b.personal[i]});
  }
  return frames;
}

}  // namespace rollcall::live

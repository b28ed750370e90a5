// Class requests over past sessions (API.md §4 "History and reports"), run on the
// class's owner: the sessions of a date range with their counts (newest first), and
// each enrolled student's totals over them, as JSON or CSV. Dates are the
// district's (`--timezone`). Both walk the class's sessions newest first and stop at
// a bound, so one request costs the owner at most that many sessions.

#include <cstdio>
#include <vector>

#include "rollcall/api/csv_export.hpp"
#include "rollcall/wire/json.hpp"
#include "src/api/class_ops.hpp"

namespace rollcall::api::ops {

using namespace domain;

namespace {

/// History answers at most this many sessions (newest first); a school year of
/// daily sessions is about 180. More: `"truncated": true`, narrow the range.
constexpr std::size_t kHistorySessionsMax = 1000;
/// A report counts at most this many sessions (the newest of the range).
constexpr std::size_t kReportSessionsMax = 5000;

struct InRange {
  std::vector<const Session*> sessions;  ///< newest first
  bool truncated = false;                ///< more sessions matched than the bound
};

InRange sessions_in(const OnOwner& o, std::size_t max) {
  InRange out;
  const auto& all = o.att.sessions();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (!o.req.range.contains(o.api.services.time_zone.day_of(it->starts_at_ms))) continue;
    if (out.sessions.size() == max) {
      out.truncated = true;
      break;
    }
    out.sessions.push_back(&*it);
  }
  return out;
}

struct Totals {
  std::uint32_t present = 0, late = 0, absent = 0, excused = 0, unmarked = 0, sessions = 0;
};

Totals tally(const std::vector<const Session*>& sessions, UserId student) {
  Totals t;
  for (const Session* s : sessions) {
    ++t.sessions;
    switch (s->record_of(student).status) {
      case AttendanceStatus::Present: ++t.present; break;
      case AttendanceStatus::Late: ++t.late; break;
      case AttendanceStatus::Absent: ++t.absent; break;
      case AttendanceStatus::Excused: ++t.excused; break;
      case AttendanceStatus::Unmarked: ++t.unmarked; break;
    }
  }
  return t;
}

/// (present + late) / (present + late + absent), 4 decimals; "" when no session
/// counts (excused and unmarked ones do not: docs/api.md).
std::string rate_of(const Totals& t) {
  const std::uint32_t counted = t.present + t.late + t.absent;
  if (counted == 0) return {};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(t.present + t.late) / counted);
  return buf;
}

std::string_view name_of(const Roster& roster, UserId student) {
  const User* u = roster.user(student);
  return u != nullptr ? std::string_view(u->name) : std::string_view();
}

void write_student_json(JsonWriter& w, const Roster& roster, UserId student, const Totals& t) {
  w.begin_object();
  w.field("student_id", student.value);
  w.field("student_name", name_of(roster, student));
  w.field("present", t.present).field("late", t.late).field("absent", t.absent);
  w.field("excused", t.excused).field("unmarked", t.unmarked).field("sessions", t.sessions);
  const std::string rate = rate_of(t);
  w.key("attendance_rate");
  if (rate.empty()) {
    w.null();
  } else {
    w.raw(rate);
  }
  w.end_object();
}

void write_student_csv(std::string& out, const Roster& roster, UserId student, const Totals& t) {
  out.append(std::to_string(student.value)).push_back(',');
  append_csv_field(out, name_of(roster, student));
  for (const std::uint32_t n : {t.present, t.late, t.absent, t.excused, t.unmarked, t.sessions}) {
    out.push_back(',');
    out.append(std::to_string(n));
  }
  out.push_back(',');
  out.append(rate_of(t)).append("\r\n");
}

ClassResult answer(Reply r) {
  ClassResult out;
  out.answer = std::move(r);
  return out;
}

}  // namespace

ClassResult history(OnOwner& o) {
  const InRange found = sessions_in(o, kHistorySessionsMax);
  return answer(json_reply(200, [&](JsonWriter& w) {
    w.begin_object().key("sessions").begin_array();
    for (const Session* s : found.sessions) {
      const Counts counts = count(o.cls, *s);
      wire::write_session(w, o.cls, *s, true, o.now_ms, &counts);
    }
    w.end_array();
    if (found.truncated) w.field("truncated", true);
    w.end_object();
  }));
}

ClassResult report(OnOwner& o) {
  const InRange found = sessions_in(o, kReportSessionsMax);
  if (o.req.kind == ClassRequest::Kind::ReportCsv) {
    Reply r{200, "text/csv; charset=utf-8", {}, {}};
    r.headers.emplace_back(
        "Content-Disposition",
        "attachment; filename=\"class-" + std::to_string(o.cls.id.value) + "-report.csv\"");
    r.body.append(kReportCsvHeader).append("\r\n");
    for (const UserId student : o.cls.students) {
      write_student_csv(r.body, o.roster, student, tally(found.sessions, student));
    }
    return answer(std::move(r));
  }
  return answer(json_reply(200, [&](JsonWriter& w) {
    w.begin_object().key("students").begin_array();
    for (const UserId student : o.cls.students) {
      write_student_json(w, o.roster, student, tally(found.sessions, student));
    }
    w.end_array();
    if (found.truncated) w.field("truncated", true);
    w.end_object();
  }));
}

}  // namespace rollcall::api::ops

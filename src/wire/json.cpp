#include "rollcall/wire/json.hpp"

namespace rollcall::wire {

using namespace domain;

void write_record(JsonWriter& w, const Roster& roster, const ClassInfo& cls, const Session& session,
                  const Record& record, std::string_view change) {
  const User* student = roster.user(record.student);
  w.begin_object();
  w.field("student_id", record.student.value);
  w.field("student_name",
          student != nullptr ? std::string_view(student->name) : std::string_view());
  w.field("class_id", cls.id.value);
  w.field("class_session_id", session.id.value);
  w.field("class_name", cls.name);
  w.field("attendance_status", to_string(record.status));
  w.key("check_in_time");
  if (record.check_in_time_ms) {
    w.time_ms(*record.check_in_time_ms);
  } else {
    w.null();
  }
  w.field("is_late", record.is_late);
  w.field("late_minutes", record.late_minutes);
  w.key("verification_method");
  if (record.method == Method::None) {
    w.null();
  } else {
    w.value(to_string(record.method));
  }
  w.field("is_manual_override", record.is_manual_override);
  w.key("override_reason");
  if (record.override_reason) {
    w.value(*record.override_reason);
  } else {
    w.null();
  }
  // A synced version was received when it was committed: synced_at = timestamp.
  w.field("offline", record.offline);
  w.key("synced_at");
  if (record.offline) {
    w.time_ms(record.timestamp_ms);
  } else {
    w.null();
  }
  w.key("timestamp").time_ms(record.timestamp_ms);
  if (!change.empty()) w.field("change", change);
  w.end_object();
}

void write_session(JsonWriter& w, const ClassInfo& cls, const Session& session, bool with_code,
                   std::int64_t now_ms, const Counts* counts) {
  w.begin_object();
  w.field("id", session.id.value);
  w.field("class_id", cls.id.value);
  w.field("class_name", cls.name);
  w.field("status", session.open ? "open" : "closed");
  w.key("starts_at").time_ms(session.starts_at_ms);
  w.key("closed_at");
  if (session.open) {
    w.null();
  } else {
    w.time_ms(session.closed_at_ms);
  }
  w.field("late_after_minutes", session.late_after_minutes);
  if (with_code) w.field("verification_code", session.code_at(now_ms));
  if (counts != nullptr) {
    w.key("counts");
    write_counts(w, *counts);
  }
  w.end_object();
}

void write_counts(JsonWriter& w, const Counts& c) {
  w.begin_object();
  w.field("present", c.present);
  w.field("late", c.late);
  w.field("absent", c.absent);
  w.field("excused", c.excused);
  w.field("unmarked", c.unmarked);
  w.field("total", c.total);
  w.end_object();
}

void write_user(JsonWriter& w, const User& user) {
  w.begin_object();
  w.field("id", user.id.value);
  w.field("username", user.username);
  w.field("name", user.name);
  w.field("role", to_string(user.role));
  w.end_object();
}

}  // namespace rollcall::wire

#include "src/domain/record_rules.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace rollcall::domain::rules {

bool enrolled(const ClassInfo& cls, UserId student) {
  return std::binary_search(cls.students.begin(), cls.students.end(), student);
}

bool settable(AttendanceStatus s) {
  return s != AttendanceStatus::Unmarked;
}

bool checked_in(const Record& r) {
  return !r.is_manual_override &&
         (r.status == AttendanceStatus::Present || r.status == AttendanceStatus::Late);
}

bool stands(const Record& r) {
  return checked_in(r) || (r.is_manual_override && !r.remaining_absent);
}

bool after_close(const Session& s, std::int64_t at_ms, bool live) {
  return !s.open && (live || at_ms > s.closed_at_ms);
}

bool outside(const Session& s, std::int64_t at_ms, bool live) {
  return at_ms < s.starts_at_ms || after_close(s, at_ms, live);
}

bool override_wins(const Record& current, std::int64_t at_ms, std::string_view op_id) {
  if (!current.is_manual_override) return true;
  if (op_id.empty() && current.override_op.empty()) return true;
  return std::pair(current.override_at_ms, std::string_view(current.override_op)) <
         std::pair(at_ms, op_id);
}

Record check_in_record(const Session& s, UserId student, Method method, std::int64_t at_ms) {
  const Lateness late = lateness(s.starts_at_ms, s.late_after_minutes, at_ms);
  Record r;
  r.student = student;
  r.status = late.is_late ? AttendanceStatus::Late : AttendanceStatus::Present;
  r.method = method;
  r.check_in_time_ms = at_ms;
  r.is_late = late.is_late;
  r.late_minutes = late.late_minutes;
  return r;
}

Record late_arrival(const Session& s, const Record& marked, Method method, std::int64_t at_ms) {
  Record r = check_in_record(s, marked.student, method, at_ms);
  if (at_ms < marked.override_at_ms) return r;  // checked in before the roll was taken
  r.status = AttendanceStatus::Late;
  r.is_late = true;
  r.late_minutes = lateness(s.starts_at_ms, 0, at_ms).late_minutes;
  return r;
}

std::uint32_t override_late_minutes(const Session& s, const Record& r) {
  return r.status == AttendanceStatus::Late && r.check_in_time_ms
             ? lateness(s.starts_at_ms, 0, *r.check_in_time_ms).late_minutes
             : 0;
}

Record overridden(const Session& s, Record r, AttendanceStatus status,
                  const std::optional<std::string>& reason, std::int64_t at_ms,
                  const std::string& op_id) {
  r.status = status;
  r.method = Method::TeacherOverride;
  r.is_manual_override = true;
  r.override_reason = reason;
  r.override_at_ms = at_ms;
  r.override_op = op_id;
  r.remaining_absent = false;
  r.is_late = status == AttendanceStatus::Late;
  r.late_minutes = override_late_minutes(s, r);
  return r;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // code lengths are public
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

bool qr_window_accepted(std::int64_t token_window, std::int64_t window_at) {
  if (window_at == token_window) return true;
  return token_window != std::numeric_limits<std::int64_t>::max() && window_at == token_window + 1;
}

Record bulk_marked(const Session& s, Record r, AttendanceStatus status,
                   const std::optional<std::string>& reason, std::int64_t now_ms) {
  r.status = status;
  r.method = Method::Bulk;
  r.is_manual_override = true;
  r.override_reason = reason;
  r.override_at_ms = now_ms;
  r.override_op.clear();
  r.remaining_absent = false;
  r.is_late = status == AttendanceStatus::Late;
  r.late_minutes = override_late_minutes(s, r);
  return r;
}

}  // namespace rollcall::domain::rules

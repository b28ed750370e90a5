#pragma once
/// The attendance CSV export (API.md §4): one row per session and enrolled student.

#include <cstdint>
#include <string>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::api {

inline constexpr const char* kCsvHeader =
    "date,session_id,class_id,class_name,student_id,student_sourced_id,student_name,status,"
    "check_in_time,late_minutes,verification_method,is_manual_override,override_reason";

/// Appends the header and the rows of every session of `att` whose start falls on a
/// UTC day in [from_day, to_day] (days since 1970-01-01), oldest first, students
/// ascending by id. Fields are quoted per RFC 4180 when they need it; a field that
/// a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with '.
void write_attendance_csv(std::string& out, const domain::Roster& roster,
                          const domain::ClassInfo& cls, const domain::ClassAttendance& att,
                          std::int64_t from_day, std::int64_t to_day);

/// Days since 1970-01-01 for "YYYY-MM-DD"; nullopt if malformed or not a real date.
std::optional<std::int64_t> parse_day(std::string_view text);

}  // namespace rollcall::api

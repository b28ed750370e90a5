#pragma once
/// The attendance CSV export (API.md §4): one row per session and enrolled student.

#include <cstdint>
#include <string>

#include "rollcall/api/date_range.hpp"
#include "rollcall/common/time_zone.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::api {

inline constexpr const char* kCsvHeader =
    "date,session_id,class_id,class_name,student_id,student_sourced_id,student_name,status,"
    "check_in_time,late_minutes,verification_method,is_manual_override,override_reason";

/// The report CSV (GET /classes/{id}/report.csv): the report's fields, one row per
/// enrolled student.
inline constexpr const char* kReportCsvHeader =
    "student_id,student_name,present,late,absent,excused,unmarked,sessions,attendance_rate";

/// Appends the header and the rows of every session of `att` whose start falls on a
/// date of `range` in `zone` (the district's: the `date` column is that date; times
/// stay RFC 3339 UTC), oldest first, students ascending by id. Fields are quoted per
/// RFC 4180 when they need it; a field that a spreadsheet would run as a formula
/// (=, +, -, @, TAB, CR first) is prefixed with '.
void write_attendance_csv(std::string& out, const domain::Roster& roster,
                          const domain::ClassInfo& cls, const domain::ClassAttendance& att,
                          const DateRange& range, const TimeZone& zone);

/// Appends one CSV field (`v` quoted as above).
void append_csv_field(std::string& out, std::string_view v);

}  // namespace rollcall::api

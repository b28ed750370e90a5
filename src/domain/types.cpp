#include "rollcall/domain/types.hpp"

namespace rollcall::domain {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::Admin: return "admin";
    case Role::Teacher: return "teacher";
    case Role::Student: return "student";
  }
  return "student";
}

std::string_view to_string(AttendanceStatus s) {
  switch (s) {
    case AttendanceStatus::Unmarked: return "unmarked";
    case AttendanceStatus::Present: return "present";
    case AttendanceStatus::Late: return "late";
    case AttendanceStatus::Absent: return "absent";
    case AttendanceStatus::Excused: return "excused";
  }
  return "unmarked";
}

std::string_view to_string(Method m) {
  switch (m) {
    case Method::None: return "null";
    case Method::QrCode: return "qr_code";
    case Method::VerificationCode: return "verification_code";
    case Method::TeacherOverride: return "teacher_override";
    case Method::Bulk: return "bulk";
    case Method::SessionClose: return "session_close";
  }
  return "null";
}

std::optional<Role> role_from_string(std::string_view s) {
  if (s == "admin") return Role::Admin;
  if (s == "teacher") return Role::Teacher;
  if (s == "student") return Role::Student;
  return std::nullopt;
}

std::optional<AttendanceStatus> status_from_string(std::string_view s) {
  if (s == "unmarked") return AttendanceStatus::Unmarked;
  if (s == "present") return AttendanceStatus::Present;
  if (s == "late") return AttendanceStatus::Late;
  if (s == "absent") return AttendanceStatus::Absent;
  if (s == "excused") return AttendanceStatus::Excused;
  return std::nullopt;
}

}  // namespace rollcall::domain

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

std::string_view to_string(Status s) {
  switch (s) {
    case Status::Unmarked: return "unmarked";
    case Status::Present: return "present";
    case Status::Late: return "late";
    case Status::Absent: return "absent";
    case Status::Excused: return "excused";
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

std::optional<Status> status_from_string(std::string_view s) {
  if (s == "unmarked") return Status::Unmarked;
  if (s == "present") return Status::Present;
  if (s == "late") return Status::Late;
  if (s == "absent") return Status::Absent;
  if (s == "excused") return Status::Excused;
  return std::nullopt;
}

}  // namespace rollcall::domain

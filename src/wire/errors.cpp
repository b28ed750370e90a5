#include "rollcall/wire/errors.hpp"

#include "rollcall/common/assert.hpp"

namespace rollcall::wire {

namespace {
using domain::Refusal;

std::string student(domain::UserId u) {
  return "student " + std::to_string(u.value);
}
}  // namespace

Error refusal_error(Refusal r, domain::UserId offending) {
  switch (r) {
    case Refusal::SessionAlreadyOpen:
      return {409, "session_already_open", "this class already has an open session"};
    case Refusal::TooManySessions:
      return {409, "too_many_sessions", "this class has no session numbers left"};
    case Refusal::NoOpenSession:
      return {404, "no_open_session", "this class has no session open to check in to"};
    case Refusal::SessionNotFound:
      return {404, "session_not_found", "no such session in this class"};
    case Refusal::SessionAlreadyClosed:
      return {409, "session_already_closed", "this session is already closed"};
    case Refusal::NotEnrolled: return not_enrolled();
    case Refusal::StudentNotFound:
      return {404, "student_not_found", "no such student in this class"};
    case Refusal::UnknownStudent:
      return {422, "unknown_student",
              student(offending) + " is not in this class; nothing changed"};
    case Refusal::InvalidStatus:
      return {422, "invalid_status", "unmarked is not a status one can set; nothing changed"};
    case Refusal::DuplicateStudent:
      return {422, "duplicate_student", student(offending) + " appears twice; nothing changed"};
    case Refusal::InvalidCode:
      return {422, "invalid_code", "that code or QR code is not this session's current one"};
    case Refusal::TooManyAttempts:
      return {429, "too_many_attempts", "too many wrong codes; wait a few minutes"};
    case Refusal::SessionClosed: return {410, "session_closed", "this session is closed"};
    case Refusal::BeforeSession:
      return {422, "invalid_client_time", "the time given is before the session started"};
    case Refusal::InFuture:
      return {422, "invalid_client_time",
              "client_time is in the future (beyond the allowed clock skew)"};
    case Refusal::OfflineTooOld:
      return {422, "offline_too_old",
              "client_time is older than the server accepts offline ops (--sync-max-offline-s)"};
    case Refusal::TooManyChanges:
      return {409, "too_many_changes",
              "this check-in already changed through sync as often as allowed; nothing changed"};
    case Refusal::TooManyOverrides:
      return {409, "too_many_changes",
              "synced overrides already changed this student's record in this session as often "
              "as allowed; nothing changed (live overrides are not bounded by this)"};
    case Refusal::NotAsLogged:
      return {500, "internal_error", "the change does not apply to this state"};
    case Refusal::None: break;
  }
  RC_ASSERT(false && "refusal_error(None)");
  return {500, "internal_error", "no error"};
}

Error invalid_field(std::string_view field, std::string_view why) {
  return {422, "invalid_field", std::string(field) + ": " + std::string(why)};
}

Error invalid_json() {
  return {400, "invalid_json", "the request body is not a JSON object"};
}

Error unauthorized(std::string_view why) {
  return {401, "unauthorized", std::string(why)};
}

Error forbidden(std::string_view why) {
  return {403, "forbidden", std::string(why)};
}

Error class_not_found() {
  return {404, "class_not_found", "no such class"};
}

Error session_not_found() {
  return {404, "session_not_found", "no such session"};
}

Error not_enrolled() {
  return {403, "not_enrolled", "you are not enrolled in this class"};
}

Error invalid_qr_token() {
  return {422, "invalid_code", "this QR code is not valid for this class"};
}

Error overloaded(std::string_view message) {
  return {503, "overloaded", std::string(message), {{"Retry-After", "1"}}};
}

Error storage_unavailable(std::string_view message) {
  return {503, "storage_unavailable", std::string(message)};
}

}  // namespace rollcall::wire

#pragma once
/// The API's error vocabulary (API.md, docs/api.md), in one place: every error any
/// path answers (a REST reply `{"error":{"code","message"}}`, an offline op's
/// `rejected` result, a refused WebSocket handshake) is an `Error` made here, and
/// every domain refusal maps to exactly one through `refusal_error`.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rollcall/domain/attendance.hpp"

namespace rollcall::wire {

struct Error {
  int status = 400;
  std::string code;     ///< snake_case, stable: clients switch on it
  std::string message;  ///< for people
  /// Headers the answer carries (`Retry-After`, `Sec-WebSocket-Version`).
  std::vector<std::pair<std::string, std::string>> headers = {};

  bool operator==(const Error&) const = default;
};

/// The one table: what each domain refusal answers. `offending` names the student
/// at fault in a bulk call. `r` must not be None.
Error refusal_error(domain::Refusal r, domain::UserId offending = {});

// Errors that do not come from the domain.
/// 422 invalid_field: "<field>: <why>".
Error invalid_field(std::string_view field, std::string_view why);
/// 400 invalid_json: the body is not one JSON object.
Error invalid_json();
/// 401 unauthorized, with what is wrong with the credentials.
Error unauthorized(std::string_view why);
/// 403 forbidden, with what the caller may not do.
Error forbidden(std::string_view why);
Error class_not_found();
Error session_not_found();
/// 403 not_enrolled: a student's request for a class they are not in.
Error not_enrolled();
/// 422 invalid_code: a QR token that is forged or not this class's.
Error invalid_qr_token();
/// 503 overloaded (Retry-After: 1): a queue to another shard is full. `message`
/// says what is busy.
Error overloaded(std::string_view message = "the server is busy; retry shortly");
/// 503 storage_unavailable: the change could not be made durable. `message` says
/// what the client may do.
Error storage_unavailable(
    std::string_view message = "attendance cannot be saved right now; nothing changed");

}  // namespace rollcall::wire

#pragma once
/// The JSON shapes of the wire contract (API.md §3: AttendanceRecord, Session,
/// Counts, the user), written straight into a buffer. REST answers and live events
/// use the same functions, so a record reads the same everywhere.

#include "rollcall/common/json_writer.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::wire {

/// AttendanceRecord. `change` ("created"/"updated") is added when not empty.
void write_record(JsonWriter& w, const domain::Roster& roster, const domain::ClassInfo& cls,
                  const domain::Session& session, const domain::Record& record,
                  std::string_view change = {});
/// Session; the verification code only when `with_code` (teachers and admins): a
/// rotating code's is the one current at `now_ms`. (Whether the code rotates is not
/// a Session field, API.md §3: GET .../qr says so with `code_expires_at`.)
/// With `counts`, the session's Counts too (history, API.md §4).
void write_session(JsonWriter& w, const domain::ClassInfo& cls, const domain::Session& session,
                   bool with_code, std::int64_t now_ms, const domain::Counts* counts = nullptr);
void write_counts(JsonWriter& w, const domain::Counts& counts);
/// {"id","username","name","role"}
void write_user(JsonWriter& w, const domain::User& user);

}  // namespace rollcall::wire

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
/// Session; the verification code only when `with_code` (teachers and admins).
void write_session(JsonWriter& w, const domain::ClassInfo& cls, const domain::Session& session,
                   bool with_code);
void write_counts(JsonWriter& w, const domain::Counts& counts);
/// {"id","username","name","role"}
void write_user(JsonWriter& w, const domain::User& user);

}  // namespace rollcall::wire

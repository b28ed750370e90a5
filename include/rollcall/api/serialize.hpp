#pragma once
/// JSON for the API's records (API.md §3), written straight into a buffer.

#include "rollcall/common/json_writer.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::api {

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

}  // namespace rollcall::api

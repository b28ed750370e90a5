#pragma once
/// The payloads of log records: each domain command with every input resolved
/// (times, codes, ids), so replaying them through the same pure domain functions
/// rebuilds exactly the state that was acknowledged.
///
/// Closing a session and bulk "mark remaining" depend on who was enrolled at the
/// time; their records list the students they marked, and replay gives the domain
/// function exactly those students, so it marks the same ones even if others have
/// joined the class since. (Check-ins and overrides only need the student to be
/// enrolled, and enrollments are never removed.)
///
/// Encoding (little-endian): integers fixed width; ids u64; times i64 ms since the
/// epoch; enums u8 (their domain values); strings u32 length + bytes; an optional
/// value is a u8 flag (0 absent, 1 present) then the value; a list is u32 count then
/// its items.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/wal/format.hpp"

namespace rollcall::wal {

struct SessionOpenedRecord {  // RecordType::SessionOpened
  domain::ClassId cls;
  domain::UserId actor;
  std::uint32_t late_after_minutes = 0;
  std::string verification_code;
  std::int64_t now_ms = 0;
};
struct CheckedInRecord {  // RecordType::CheckedIn
  domain::ClassId cls;
  domain::SessionId session;
  domain::UserId student;
  domain::Method method = domain::Method::VerificationCode;
  std::int64_t at_ms = 0;
  std::int64_t now_ms = 0;
};
struct OverriddenRecord {  // RecordType::Overridden
  domain::ClassId cls;
  domain::SessionId session;
  domain::UserId actor;
  domain::UserId student;
  domain::AttendanceStatus status = domain::AttendanceStatus::Present;
  std::optional<std::string> reason;
  std::int64_t now_ms = 0;
};
struct BulkAppliedRecord {  // RecordType::BulkApplied
  domain::ClassId cls;
  domain::SessionId session;
  domain::UserId actor;
  std::vector<domain::BulkItem> items;
  std::optional<domain::AttendanceStatus> mark_remaining;
  std::vector<domain::UserId> remaining;  ///< students `mark_remaining` marked, ascending
  std::int64_t now_ms = 0;
};
struct SessionClosedRecord {  // RecordType::SessionClosed
  domain::ClassId cls;
  domain::SessionId session;
  domain::UserId actor;
  std::vector<domain::UserId> marked_absent;  ///< ascending
  std::int64_t now_ms = 0;
};
struct EnrolledRecord {  // RecordType::Enrolled (roster owner's log)
  domain::UserId student;
  domain::ClassId cls;
  std::uint64_t roster_version = 0;  ///< the roster version this enrollment produced
};

/// The class's owner tells its teachers a student joined (`student_joined_class`).
/// Changes no attendance state; it is logged so replay gives the live events the
/// same seqs as before.
struct ClassJoinedRecord {  // RecordType::ClassJoined
  domain::ClassId cls;
  domain::UserId student;
  std::int64_t now_ms = 0;
};

/// Offline ops applied through `POST /sync` (API.md §6), with their op_id so replay
/// rebuilds the index that answers retries `duplicate`. Only applied ops are logged.
struct SyncCheckedInRecord {  // RecordType::SyncCheckedIn
  domain::ClassId cls;
  domain::SessionId session;
  domain::UserId student;
  domain::Method method = domain::Method::VerificationCode;
  std::int64_t client_time_ms = 0;
  std::int64_t now_ms = 0;
  std::string op_id;
};
struct SyncOverriddenRecord {  // RecordType::SyncOverridden
  domain::ClassId cls;
  domain::SessionId session;
  domain::UserId actor;
  domain::UserId student;
  domain::AttendanceStatus status = domain::AttendanceStatus::Present;
  std::optional<std::string> reason;
  std::int64_t client_time_ms = 0;
  std::int64_t now_ms = 0;
  std::string op_id;
};

using Record = std::variant<SessionOpenedRecord, CheckedInRecord, OverriddenRecord,
                            BulkAppliedRecord, SessionClosedRecord, EnrolledRecord,
                            ClassJoinedRecord, SyncCheckedInRecord, SyncOverriddenRecord>;

RecordType type_of(const Record& r);
/// Appends the payload of `r` to `out`.
void encode(std::string& out, const Record& r);
/// Decodes a payload of `type`; nullopt if malformed (wrong length, bad enum value,
/// trailing bytes) or `type` is Commit / unknown.
std::optional<Record> decode(RecordType type, std::string_view payload);
/// One JSON object describing `r` (for `rollcall wal dump`), without the LSN.
std::string to_json(const Record& r);

/// The Commit record's payload.
struct CommitRecord {
  std::uint64_t batch_first_lsn = 0;
  std::uint32_t batch_records = 0;
};
std::optional<CommitRecord> decode_commit(std::string_view payload);

}  // namespace rollcall::wal

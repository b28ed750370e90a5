#pragma once
/// Attendance rules for one class: sessions, check-ins, overrides, bulk marking,
/// closing, counts and the audit trail. Pure and synchronous: every operation takes
/// the state and a command whose inputs are all given (times, codes, ids), and
/// returns an outcome plus the events it produced. The same functions run live, in
/// tests and (later) when the log is replayed.
///
/// The owner shard of a class holds its `ClassAttendance`; nothing else mutates it.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rollcall/domain/roster.hpp"
#include "rollcall/domain/types.hpp"

namespace rollcall::domain {

/// One student's attendance in one session (API.md §3 AttendanceRecord, minus the
/// names, which come from the roster when serialising).
struct Record {
  UserId student;
  AttendanceStatus status = AttendanceStatus::Unmarked;
  Method method = Method::None;
  std::optional<std::int64_t> check_in_time_ms;
  bool is_late = false;
  std::uint32_t late_minutes = 0;
  bool is_manual_override = false;
  std::optional<std::string> override_reason;
  std::int64_t timestamp_ms = 0;  ///< when this version was committed
  /// The winning override (is_manual_override): when it was made (a synced one's
  /// client_time; the server's time for REST and bulk) and its op_id ("" for REST
  /// and bulk). A synced override wins over it only with a later (time, op_id).
  std::int64_t override_at_ms = 0;
  std::string override_op;
};

struct AuditEntry {
  std::int64_t at_ms = 0;
  UserId actor;
  UserId student;
  AttendanceStatus from = AttendanceStatus::Unmarked;
  AttendanceStatus to = AttendanceStatus::Unmarked;
  Method method = Method::None;
  std::optional<std::string> reason;
};

struct Counts {
  std::uint32_t present = 0, late = 0, absent = 0, excused = 0, unmarked = 0, total = 0;
  bool operator==(const Counts&) const = default;
};

struct Session {
  SessionId id;
  ClassId class_id;
  bool open = true;
  std::int64_t starts_at_ms = 0;
  std::int64_t closed_at_ms = 0;  ///< 0 while open
  std::uint32_t late_after_minutes = 0;
  std::string verification_code;
  std::unordered_map<UserId, Record> records;  ///< only students with a record
  std::vector<AuditEntry> audit;               ///< oldest first

  /// The student's record, or an unmarked one stamped with the session start.
  Record record_of(UserId student) const;
};

/// Why an operation was refused. The API maps each to a status and code.
enum class Refusal : std::uint8_t {
  None,
  SessionAlreadyOpen,    ///< 409 session_already_open
  NoOpenSession,         ///< 404 no_open_session
  SessionNotFound,       ///< 404 session_not_found
  SessionClosed,         ///< 410 session_closed (a check-in into a closed session)
  SessionAlreadyClosed,  ///< 409 session_already_closed
  NotEnrolled,           ///< 403 not_enrolled
  UnknownStudent,        ///< 422 (bulk/override: not enrolled in the class)
  InvalidStatus,         ///< 422 (unmarked is not a status one can set)
  DuplicateStudent,      ///< 422 (the same student twice in one bulk)
  TooManySessions,       ///< 409 (the class used all 2^20-1 session numbers)
  OutsideSession,        ///< sync: client_time is not inside the session's open interval
  InFuture,              ///< sync: client_time is later than the allowed clock skew
};

/// What an operation changed, for live updates and the log.
struct Event {
  enum class Kind : std::uint8_t {
    SessionOpened,
    SessionClosed,
    CheckedIn,
    RecordChanged,
    BulkChanged
  };
  Kind kind;
  SessionId session;
  std::vector<Record> records;      ///< the records after the change
  bool created = false;             ///< RecordChanged: the student had no record before
  std::uint32_t marked_absent = 0;  ///< SessionClosed
};

// Commands. Every input is explicit so applying a command is deterministic.
struct OpenSession {
  UserId actor;
  std::uint32_t late_after_minutes = 5;
  std::string verification_code;
  std::int64_t now_ms = 0;
};
struct CheckIn {
  UserId student;
  Method method = Method::VerificationCode;
  std::int64_t at_ms = 0;   ///< when the check-in counts (late is judged from it)
  std::int64_t now_ms = 0;  ///< commit time
};
struct Override {
  UserId actor;
  UserId student;
  AttendanceStatus status = AttendanceStatus::Present;
  std::optional<std::string> reason;
  std::int64_t now_ms = 0;
};
struct BulkItem {
  UserId student;
  AttendanceStatus status = AttendanceStatus::Absent;
  std::optional<std::string> reason;
};
struct Bulk {
  UserId actor;
  std::vector<BulkItem> updates;
  std::optional<AttendanceStatus> mark_remaining;
  std::int64_t now_ms = 0;
};
struct CloseSession {
  UserId actor;
  std::int64_t now_ms = 0;
};

/// Offline ops (API.md §6), judged at their client_time. `latest_ms` is the latest
/// client_time accepted (the server's time plus the allowed clock skew; replay
/// passes the maximum: it re-applies what was accepted).
struct SyncCheckIn {
  UserId student;
  Method method = Method::VerificationCode;
  std::int64_t client_time_ms = 0;
  std::int64_t now_ms = 0;
  std::int64_t latest_ms = 0;
  std::string op_id;
};
struct SyncOverride {
  UserId actor;
  UserId student;
  AttendanceStatus status = AttendanceStatus::Present;
  std::optional<std::string> reason;
  std::int64_t client_time_ms = 0;
  std::int64_t now_ms = 0;
  std::int64_t latest_ms = 0;
  std::string op_id;
};

enum class SyncOutcome : std::uint8_t { Applied, Duplicate, Superseded };

struct SyncResult {
  Refusal error = Refusal::None;
  SyncOutcome outcome = SyncOutcome::Applied;
  Record record;              ///< the student's record after the op (also when not applied)
  std::vector<Event> events;  ///< only when applied
};

/// A synced op that was applied: who sent it (its op_id is theirs), and the record
/// it concerned (a duplicate answers with that record as it is now).
struct AppliedOp {
  UserId user;
  std::string op_id;
  SessionId session;
  UserId student;
};

struct OpenResult {
  Refusal error = Refusal::None;
  const Session* session = nullptr;
  std::vector<Event> events;
};
struct CheckInResult {
  Refusal error = Refusal::None;
  bool created = false;  ///< false: the existing record is returned (idempotent repeat)
  Record record;
  std::vector<Event> events;
};
struct RecordResult {
  Refusal error = Refusal::None;
  /// Override: a synced override with a later client_time stands; nothing changed
  /// and `record` is the winner.
  bool superseded = false;
  bool created = false;
  Record record;
  std::vector<Event> events;
};
struct BulkResult {
  Refusal error = Refusal::None;
  UserId offending_student;  ///< for UnknownStudent / DuplicateStudent
  /// The updates that were written, in order (an update loses, and is left out, where
  /// a synced override with a later client_time stands).
  std::vector<BulkItem> updates_applied;
  /// The records written: one per applied update, then those `mark_remaining` marked.
  std::vector<Record> changed;
  std::vector<Event> events;
};
struct CloseResult {
  Refusal error = Refusal::None;
  std::uint32_t marked_absent = 0;
  std::vector<Event> events;
};

/// Late if more than `late_after_minutes` have passed since `starts_at_ms`;
/// late_minutes is the whole minutes since the start.
struct Lateness {
  bool is_late = false;
  std::uint32_t late_minutes = 0;
};
Lateness lateness(std::int64_t starts_at_ms, std::uint32_t late_after_minutes, std::int64_t at_ms);

/// Counts over every enrolled student of `cls` for `session`.
Counts count(const ClassInfo& cls, const Session& session);

class ClassAttendance {
 public:
  explicit ClassAttendance(ClassId id) : id_(id) {}
  ClassId id() const { return id_; }

  const Session* open_session() const {
    return open_index_ < 0 ? nullptr : &sessions_[static_cast<std::size_t>(open_index_)];
  }
  const Session* session(SessionId id) const;
  /// Every session, oldest first.
  const std::deque<Session>& sessions() const { return sessions_; }

  /// Replaces the whole state (snapshot restore). Session ids must be this class's
  /// 1..n in order; at most one may be open.
  void restore(std::deque<Session> sessions);

  OpenResult open(const OpenSession& cmd);
  /// A student checks in to session `sid` (REST: the open session).
  CheckInResult check_in(const ClassInfo& cls, SessionId sid, const CheckIn& cmd);
  RecordResult override_record(const ClassInfo& cls, SessionId sid, const Override& cmd);
  /// All of it applies or none: any unknown student or status refuses the whole call.
  BulkResult bulk(const ClassInfo& cls, SessionId sid, const Bulk& cmd);
  CloseResult close(const ClassInfo& cls, SessionId sid, const CloseSession& cmd);

  // Offline sync (API.md §6). Rules, so that the result never depends on the order
  // in which ops arrive:
  //  - a student's check-in time is the earliest valid one (time, then method);
  //  - the winning override is the latest (time, op_id); REST and bulk overrides
  //    count at the server's time with op_id "" (so they lose to a synced override
  //    whose client_time is later than the server's clock, and answer with it);
  //  - the record shown is the override when there is one (keeping the check-in
  //    time underneath), else the check-in, else session_close's absent, else
  //    unmarked. Each op merges into that, so any order gives the same records.
  /// The session open at `at_ms` (starts_at <= at_ms, and at_ms <= closed_at if
  /// closed), or null.
  const Session* session_at(std::int64_t at_ms) const;
  /// The op `op_id` of `user` if it was applied, or null.
  const AppliedOp* applied_op(UserId user, std::string_view op_id) const;
  /// Every applied op, oldest first (snapshots).
  const std::vector<AppliedOp>& applied_ops() const { return applied_ops_; }
  /// Replaces the applied-op index (snapshot restore).
  void restore_applied_ops(std::vector<AppliedOp> ops);

  /// A student's offline check-in into session `sid` (the caller checked the code or
  /// QR token against that session). Refusals: SessionNotFound, NotEnrolled,
  /// InFuture, OutsideSession.
  SyncResult sync_check_in(const ClassInfo& cls, SessionId sid, const SyncCheckIn& cmd);
  /// A teacher's offline override. Refusals: SessionNotFound, UnknownStudent,
  /// InvalidStatus, InFuture, OutsideSession (before the session started).
  SyncResult sync_override(const ClassInfo& cls, SessionId sid, const SyncOverride& cmd);

 private:
  Session* find(SessionId id);
  void write(Session& s, Record next, UserId actor, std::int64_t now_ms);

  void remember(UserId user, const std::string& op_id, SessionId session, UserId student);

  ClassId id_;
  std::vector<AppliedOp> applied_ops_;
  std::unordered_map<std::string, std::size_t> op_index_;  // user:op_id -> applied_ops_ index
  std::deque<Session> sessions_;  // deque: pointers stay valid as sessions are added
  // An index, not a pointer, so copies and moves of the whole object stay correct.
  std::int64_t open_index_ = -1;
};

}  // namespace rollcall::domain

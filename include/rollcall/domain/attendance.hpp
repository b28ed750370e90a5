#pragma once
/// Attendance rules for one class: sessions, check-ins, overrides, bulk marking,
/// closing, counts and the audit trail. Pure and synchronous: `apply(state,
/// command) -> Outcome` (refusal, what changed, the command to log, the events).
/// The same function runs live, in tests and when the log is replayed; requests
/// that still need judging (a check-in's proof, an offline op's time) go through
/// `attempt_*` first, which ends in the same `apply`.
///
/// The owner shard of a class holds its `ClassAttendance`; nothing else mutates it.

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rollcall/domain/commands.hpp"
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
  /// This version came from /sync (API.md §3 `offline`); its `synced_at` is
  /// `timestamp_ms`, when the server received the op.
  bool offline = false;
  /// How many times the student's own synced check-ins changed this record; at
  /// most kSyncChangesMax live (replay re-applies what was accepted, unbounded).
  std::uint32_t sync_changes = 0;
  /// How many times synced overrides (a teacher's, op_id set) changed this record,
  /// also those that showed nothing new; at most kOverrideSyncChangesMax live
  /// (replay, unbounded). Live overrides and the student's check-ins leave it alone.
  std::uint32_t override_sync_changes = 0;
  /// This absent came from a bulk "mark remaining" (not a decision about this
  /// student by name): a check-in while the session is open replaces it (API.md §4),
  /// with `late` when it is made after the marking. Any other write clears it.
  bool remaining_absent = false;
};

/// API.md §6 rule 2: one student's check-in for one session changes through sync
/// at most this many times; then TooManyChanges.
inline constexpr std::uint32_t kSyncChangesMax = 3;
/// docs/api.md "Bounds": synced overrides change one student's record in one
/// session at most this many times; then TooManyOverrides. Each applied one is a log
/// record and a remembered op_id, so without a bound one teacher token could grow
/// both without end (500 ops a request, client_time stepping 1 ms). A teacher
/// correcting offline changes a student's mark once or twice (present -> late ->
/// excused with a reason, a slip undone); 10 leaves room for several devices
/// retrying and for a lesson's worth of second thoughts, and still caps a flood at
/// 10 records per student and session. Live (REST) overrides are not counted.
inline constexpr std::uint32_t kOverrideSyncChangesMax = 10;

struct AuditEntry {
  std::int64_t at_ms = 0;
  UserId actor;
  UserId student;
  AttendanceStatus from = AttendanceStatus::Unmarked;
  AttendanceStatus to = AttendanceStatus::Unmarked;
  Method method = Method::None;
  std::optional<std::string> reason;
  bool offline = false;  ///< the change came from /sync
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
  std::string verification_code;               ///< a static code; empty when the code rotates
  std::string code_seed;                       ///< a rotating code's seed; empty when static
  std::uint32_t code_rotation_s = 0;           ///< a rotating code's window; 0 when static
  std::unordered_map<UserId, Record> records;  ///< only students with a record
  std::vector<AuditEntry> audit;               ///< oldest first

  /// The student's record, or an unmarked one stamped with the session start.
  Record record_of(UserId student) const;
  bool rotating_code() const { return code_rotation_s > 0; }
  /// The code current at `at_ms`: the static code, or the rotating code's of that
  /// window.
  std::string code_at(std::int64_t at_ms) const;
  /// Whether `code` is accepted at `at_ms`: the static code; a rotating code in its
  /// own window and the one after it. Compares in constant time.
  bool code_accepted(std::string_view code, std::int64_t at_ms) const;
};

/// Why a command or attempt was refused. The API maps each to a status and code
/// (one table for REST, sync and WebSocket).
enum class Refusal : std::uint8_t {
  None,
  SessionAlreadyOpen,    ///< open: the class has an open session
  TooManySessions,       ///< open: the class used all 2^20-1 session numbers
  NoOpenSession,         ///< check-in: no session to check in to (none open, none at that time)
  SessionNotFound,       ///< no such session in this class
  SessionAlreadyClosed,  ///< close: already closed
  NotEnrolled,           ///< check-in: the student is not in the class
  StudentNotFound,       ///< override: the student it names is not in the class
  UnknownStudent,        ///< bulk: an update names a student not in the class
  InvalidStatus,         ///< unmarked is not a status one can set
  DuplicateStudent,      ///< bulk: the same student twice
  InvalidCode,           ///< check-in: wrong code, or a QR token outside its window
  TooManyAttempts,       ///< check-in: too many wrong codes for this session lately
  SessionClosed,         ///< check-in: the time lies after the session closed
  BeforeSession,         ///< the time lies before the session started
  InFuture,              ///< an offline op's client_time is later than the allowed skew
  OfflineTooOld,         ///< an offline op arrived longer after its client_time than allowed
  TooManyChanges,        ///< sync changed this student's check-in kSyncChangesMax times already
  TooManyOverrides,      ///< synced overrides changed this record kOverrideSyncChangesMax times
  NotAsLogged,           ///< replay: the command does not apply as it did live
};

/// What an operation changed, for live updates.
struct Event {
  enum class Kind : std::uint8_t {
    SessionOpened,
    SessionClosed,
    CheckedIn,
    RecordChanged,
    BulkChanged,
    StudentJoinedClass,
  };
  Kind kind;
  SessionId session;
  std::vector<Record> records;      ///< the records after the change
  bool created = false;             ///< RecordChanged: the student had no record before
  std::uint32_t marked_absent = 0;  ///< SessionClosed
  UserId student;                   ///< StudentJoinedClass
};

/// Whether a command (or attempt) changed anything.
enum class Change : std::uint8_t {
  Applied,    ///< it changed the state: `logged` is what to append to the log
  Unchanged,  ///< what stands stands (an earlier check-in, a later override): the
              ///< record is answered as it is (REST 200, sync `superseded`)
  Duplicate,  ///< an offline op already applied: answered with the current record
};

/// The result of applying a command or attempt.
struct Outcome {
  Refusal refusal = Refusal::None;
  Change change = Change::Unchanged;
  /// The session concerned (OpenSession: the new one, or the open one it ran into).
  SessionId session;
  /// Records after the change: check-in/override: the student's (also when
  /// unchanged or a duplicate); bulk: the records written; close: those marked absent.
  std::vector<Record> records;
  /// CheckIn: a first check-in (the student had none); Override: no record before.
  bool created = false;
  /// The command as the log must store it (its lists resolved); set iff Applied.
  std::optional<Command> logged;
  std::vector<Event> events;  ///< only when Applied
  UserId offending_student;   ///< bulk refusals: the student at fault
  /// A wrong verification code to count against the student's attempt limit.
  bool wrong_code = false;

  bool applied() const { return refusal == Refusal::None && change == Change::Applied; }
};

/// How a student proves presence: the session's verification code, or a QR token
/// (its signature already verified) with its rotation window and the window that
/// was current at the check-in time.
struct CodeProof {
  std::string code;
};
struct QrProof {
  std::int64_t token_window = 0;
  std::int64_t window_at = 0;
};
using Proof = std::variant<CodeProof, QrProof>;

/// A student's check-in as presented (REST or offline sync), not yet judged.
struct CheckInAttempt {
  SessionId session;  ///< REST by code: the open session; offline by code: the one
                      ///< open at client_time; QR: the token's
  UserId student;
  Proof proof;
  std::int64_t at_ms = 0;           ///< when it counts: now, or client_time
  std::int64_t now_ms = 0;          ///< the server's time
  std::int64_t latest_ms = 0;       ///< the latest at_ms accepted (now + allowed skew)
  std::string op_id;                ///< offline op id, "" live
  bool attempts_exhausted = false;  ///< the owner's limiter: too many wrong codes lately
  /// The earliest at_ms accepted (now - `--sync-max-offline-s`); none by default.
  std::int64_t earliest_ms = std::numeric_limits<std::int64_t>::min();
};

/// A teacher's override as presented (REST or offline sync).
struct OverrideAttempt {
  Override command;            ///< at_ms = now (REST) or client_time (offline)
  std::int64_t latest_ms = 0;  ///< the latest at_ms accepted
  /// The earliest at_ms accepted (now - `--sync-max-offline-s`); none by default.
  std::int64_t earliest_ms = std::numeric_limits<std::int64_t>::min();
};

/// An offline op that was applied: who sent it (its op_id is theirs), and the record
/// it concerned (a duplicate answers with that record as it is now).
struct AppliedOp {
  UserId user;
  std::string op_id;
  SessionId session;
  UserId student;
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

  /// Applies a resolved command: live (after the owner judged the request) and in
  /// replay alike. Refused commands change nothing; Enroll (a roster change) is
  /// refused as NotAsLogged. A command that lists the
  /// students it marks (close, bulk "mark remaining") marks exactly those; replay
  /// checks that the command applies and that `logged` equals it.
  Outcome apply(const ClassInfo& cls, const Command& cmd);

  /// A student's check-in as presented, judged by the rules every path shares (REST
  /// and offline sync; the log replays the resulting CheckIn):
  ///  1. an offline op already applied answers Duplicate; one that arrived too
  ///     long after its time (before `earliest_ms`) is OfflineTooOld;
  ///  2. the session must exist (NoOpenSession), the student be enrolled
  ///     (NotEnrolled);
  ///  3. too many wrong codes lately: TooManyAttempts;
  ///  4. a wrong code or a QR token outside its window (its own window or the next)
  ///     does not count: an earlier check-in or a teacher's decision stands
  ///     (Unchanged, answered with it); otherwise InvalidCode (a wrong code counts
  ///     against the attempt limit: `wrong_code`);
  ///  5. the time must not be in the future (InFuture);
  ///  6. the time must lie within the session (BeforeSession, SessionClosed), unless
  ///     a record stands as in 4;
  ///  7. then the CheckIn applies (see `apply`), unless it is offline, would
  ///     change the record, and synced check-ins changed it kSyncChangesMax times
  ///     already (TooManyChanges; replay, through `apply`, has no such bound).
  Outcome attempt_check_in(const ClassInfo& cls, const CheckInAttempt& attempt);
  /// A teacher's override as presented: an offline op already applied answers
  /// Duplicate; then OfflineTooOld, SessionNotFound, StudentNotFound, InvalidStatus, a time in the
  /// future (InFuture); then it applies (see `apply`), unless it is offline, would
  /// win, and synced overrides changed the record kOverrideSyncChangesMax times
  /// already (TooManyOverrides; replay, through `apply`, has no such bound).
  Outcome attempt_override(const ClassInfo& cls, const OverrideAttempt& attempt);

  // Offline sync (API.md §6). The rules make the result independent of the order
  // in which ops arrive:
  //  - a student's check-in time is the earliest valid one (time, then method);
  //  - the winning override is the latest (at_ms, op_id); two live decisions (op_id
  //    "") are ordered by arrival; a live one loses to an offline one made at the
  //    same time or later (a device whose clock is ahead, within the allowed skew);
  //  - the record shown is the override when there is one (keeping the check-in
  //    time underneath), else the check-in, else session_close's absent, else
  //    unmarked. Each op merges into that, so any order gives the same records.
  // Three bounds make order matter (API.md §6 rule 2, docs/api.md "Bounds"): a
  // student's synced check-ins change a record at most kSyncChangesMax times and
  // synced overrides at most kOverrideSyncChangesMax times (with more ops than that
  // which each would change it, the first ones to arrive decide), and an op older
  // than `earliest_ms` is refused. `offline` and `timestamp_ms` describe the version
  // shown, so they depend on which op arrived last, like any commit time.
  /// The session open at `at_ms` (starts_at <= at_ms, and at_ms <= closed_at if
  /// closed), or null.
  const Session* session_at(std::int64_t at_ms) const;
  /// The op `op_id` of `user` if it was applied, or null.
  const AppliedOp* applied_op(UserId user, std::string_view op_id) const;
  /// Every applied op, oldest first (snapshots).
  const std::vector<AppliedOp>& applied_ops() const { return applied_ops_; }
  /// Replaces the applied-op index (snapshot restore).
  void restore_applied_ops(std::vector<AppliedOp> ops);

 private:
  Session* find(SessionId id);
  /// Makes `next` the student's record. An offline op (`offline`) whose `next`
  /// differs from the current version in nothing a user sees only updates the
  /// record's hidden state (override time and op_id, the sync counts): no new
  /// version, no audit entry; returns false then, true when it wrote a version.
  bool write(Session& s, Record next, UserId actor, std::int64_t now_ms, bool offline = false);
  Outcome open(const OpenSession& cmd);
  /// `bounded`: refuse an offline change past kSyncChangesMax (live attempts; not
  /// replay).
  Outcome check_in(const ClassInfo& cls, const CheckIn& cmd, bool bounded = false);
  /// `bounded`: refuse a synced override past kOverrideSyncChangesMax (live
  /// attempts; not replay).
  Outcome override_record(const ClassInfo& cls, const Override& cmd, bool bounded = false);
  Outcome bulk(const ClassInfo& cls, const Bulk& cmd);
  Outcome close(const ClassInfo& cls, const CloseSession& cmd);
  Outcome announce_join(const AnnounceJoin& cmd);
  Outcome duplicate_of(const AppliedOp& op);

  void remember(UserId user, const std::string& op_id, SessionId session, UserId student);

  ClassId id_;
  std::vector<AppliedOp> applied_ops_;
  std::unordered_map<std::string, std::size_t> op_index_;  // user:op_id -> applied_ops_ index
  std::deque<Session> sessions_;  // deque: pointers stay valid as sessions are added
  // An index, not a pointer, so copies and moves of the whole object stay correct.
  std::int64_t open_index_ = -1;
};

}  // namespace rollcall::domain

#pragma once
// Shared values and builders for the domain tests: one class (id 4) with a teacher
// and three students, commands and attempts as the owner shard builds them, and
// comparable views of records and whole states.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/commands.hpp"

namespace rollcall::domain::fixtures {

inline constexpr std::int64_t kStart = 1'795'334'400'000;  // 2026-11-22T08:00:00Z
inline constexpr std::int64_t kMinute = 60'000;
inline constexpr ClassId kClass{4};
inline constexpr UserId kTeacher{2};
inline constexpr UserId kAlice{10}, kBob{11}, kCarol{12}, kStranger{99};
inline constexpr const char* kCode = "123456";

/// Class 4 with kTeacher and students 10, 11, ... (kAlice, kBob, kCarol, ...).
inline ClassInfo class_info(int students = 3) {
  ClassInfo info;
  info.id = kClass;
  info.name = "Math 101";
  info.teachers = {kTeacher};
  for (int i = 0; i < students; ++i) {
    info.students.push_back(UserId{10 + static_cast<std::uint64_t>(i)});
  }
  return info;
}

inline OpenSession open_cmd(std::int64_t now, std::uint32_t late_after = 5,
                            std::string code = kCode) {
  return OpenSession{kClass, kTeacher, late_after, std::move(code), now};
}

/// A QR token current at its own window.
inline QrProof qr() {
  return QrProof{1000, 1000};
}

/// A live (REST) check-in: it counts now, no op_id.
inline CheckInAttempt live_check_in(SessionId sid, UserId student, std::int64_t now,
                                    Proof proof = CodeProof{kCode}) {
  return CheckInAttempt{sid, student, std::move(proof), now, now, now, "", false};
}

/// An offline (sync) check-in: it counts at client_time, sent with `op_id`.
inline CheckInAttempt offline_check_in(SessionId sid, UserId student, std::int64_t client_time,
                                       std::string op_id, std::int64_t now, std::int64_t latest,
                                       Proof proof = CodeProof{kCode}) {
  return CheckInAttempt{sid, student, std::move(proof), client_time,
                        now, latest,  std::move(op_id), false};
}

/// A live (REST) override: decided now, op_id "".
inline OverrideAttempt live_override(SessionId sid, UserId student, AttendanceStatus status,
                                     std::optional<std::string> reason, std::int64_t now) {
  return OverrideAttempt{
      Override{kClass, sid, kTeacher, student, status, std::move(reason), now, now, ""}, now};
}

/// An offline (sync) override decided at client_time.
inline OverrideAttempt offline_override(SessionId sid, UserId student, AttendanceStatus status,
                                        std::optional<std::string> reason, std::int64_t client_time,
                                        std::string op_id, std::int64_t now, std::int64_t latest) {
  return OverrideAttempt{Override{kClass, sid, kTeacher, student, status, std::move(reason),
                                  client_time, now, std::move(op_id)},
                         latest};
}

inline Bulk bulk_cmd(SessionId sid, std::vector<BulkItem> items,
                     std::optional<AttendanceStatus> mark_remaining, std::int64_t now) {
  return Bulk{kClass, sid, kTeacher, std::move(items), mark_remaining, std::nullopt, now};
}

inline CloseSession close_cmd(SessionId sid, std::int64_t now) {
  return CloseSession{kClass, sid, kTeacher, std::nullopt, now};
}

// --- Comparable views -----------------------------------------------------------

/// Everything a user can see of a record (not when the server committed it).
inline auto visible(const Record& r) {
  return std::tuple(r.student.value, r.status, r.method, r.check_in_time_ms, r.is_late,
                    r.late_minutes, r.is_manual_override, r.override_reason, r.override_at_ms,
                    r.override_op);
}
using Visible = decltype(visible(Record{}));

/// Every field of a record.
inline auto full(const Record& r) {
  return std::tuple_cat(
      visible(r), std::tuple(r.timestamp_ms, r.offline, r.sync_changes, r.override_sync_changes));
}

inline auto full(const AuditEntry& a) {
  return std::tuple(a.at_ms, a.actor.value, a.student.value, a.from, a.to, a.method, a.reason,
                    a.offline);
}

inline std::vector<decltype(full(Record{}))> full(const std::vector<Record>& records) {
  std::vector<decltype(full(Record{}))> out;
  for (const Record& r : records) out.push_back(full(r));
  return out;
}

inline auto full(const Event& e) {
  return std::tuple(e.kind, e.session.value, full(e.records), e.created, e.marked_absent,
                    e.student.value);
}

inline std::vector<decltype(full(Event{}))> full(const std::vector<Event>& events) {
  std::vector<decltype(full(Event{}))> out;
  for (const Event& e : events) out.push_back(full(e));
  return out;
}

/// A whole class's state: every session with its records (by student) and audit
/// trail, and the applied offline ops.
inline auto state_of(const ClassAttendance& cls) {
  using Rec = decltype(full(Record{}));
  using Aud = decltype(full(AuditEntry{}));
  std::vector<std::tuple<std::uint64_t, bool, std::int64_t, std::int64_t, std::uint32_t,
                         std::string, std::vector<Rec>, std::vector<Aud>>>
      sessions;
  for (const Session& s : cls.sessions()) {
    std::vector<Rec> records;
    for (const auto& [student, r] : s.records) records.push_back(full(r));
    std::sort(records.begin(), records.end());
    std::vector<Aud> audit;
    for (const AuditEntry& a : s.audit) audit.push_back(full(a));
    sessions.emplace_back(s.id.value, s.open, s.starts_at_ms, s.closed_at_ms, s.late_after_minutes,
                          s.verification_code, std::move(records), std::move(audit));
  }
  std::vector<std::tuple<std::uint64_t, std::string, std::uint64_t, std::uint64_t>> ops;
  for (const AppliedOp& op : cls.applied_ops()) {
    ops.emplace_back(op.user.value, op.op_id, op.session.value, op.student.value);
  }
  const std::uint64_t open = cls.open_session() ? cls.open_session()->id.value : 0;
  return std::tuple(std::move(sessions), std::move(ops), open);
}

}  // namespace rollcall::domain::fixtures

namespace rollcall::domain {

// Readable gtest failure messages for the domain's enums.
inline const char* name(Refusal r) {
  switch (r) {
    case Refusal::None: return "None";
    case Refusal::SessionAlreadyOpen: return "SessionAlreadyOpen";
    case Refusal::TooManySessions: return "TooManySessions";
    case Refusal::NoOpenSession: return "NoOpenSession";
    case Refusal::SessionNotFound: return "SessionNotFound";
    case Refusal::SessionAlreadyClosed: return "SessionAlreadyClosed";
    case Refusal::NotEnrolled: return "NotEnrolled";
    case Refusal::StudentNotFound: return "StudentNotFound";
    case Refusal::UnknownStudent: return "UnknownStudent";
    case Refusal::InvalidStatus: return "InvalidStatus";
    case Refusal::DuplicateStudent: return "DuplicateStudent";
    case Refusal::InvalidCode: return "InvalidCode";
    case Refusal::TooManyAttempts: return "TooManyAttempts";
    case Refusal::SessionClosed: return "SessionClosed";
    case Refusal::BeforeSession: return "BeforeSession";
    case Refusal::InFuture: return "InFuture";
    case Refusal::OfflineTooOld: return "OfflineTooOld";
    case Refusal::TooManyChanges: return "TooManyChanges";
    case Refusal::TooManyOverrides: return "TooManyOverrides";
    case Refusal::NotAsLogged: return "NotAsLogged";
  }
  return "?";
}
inline const char* name(Change c) {
  switch (c) {
    case Change::Applied: return "Applied";
    case Change::Unchanged: return "Unchanged";
    case Change::Duplicate: return "Duplicate";
  }
  return "?";
}
inline void PrintTo(Refusal r, std::ostream* os) {
  *os << name(r);
}
inline void PrintTo(Change c, std::ostream* os) {
  *os << name(c);
}
inline void PrintTo(AttendanceStatus s, std::ostream* os) {
  *os << to_string(s);
}
inline void PrintTo(Method m, std::ostream* os) {
  *os << to_string(m);
}
template <typename Tag>
void PrintTo(Id<Tag> id, std::ostream* os) {
  *os << id.value;
}

}  // namespace rollcall::domain

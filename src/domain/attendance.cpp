// A class's attendance state: sessions, records, the audit trail and the index of
// applied offline ops, with the queries every operation shares. The operations
// themselves are in apply.cpp (commands) and attempts.cpp (requests still judged).

#include "rollcall/domain/attendance.hpp"

#include <tuple>

#include "rollcall/common/assert.hpp"
#include "rollcall/domain/session_code.hpp"
#include "src/domain/record_rules.hpp"

namespace rollcall::domain {

namespace {
constexpr std::int64_t kMinuteMs = 60'000;

// Whether a user would see any difference between two versions of a record (the
// AttendanceRecord fields but the commit time and its offline marking).
bool same_to_see(const Record& a, const Record& b) {
  return std::tie(a.status, a.method, a.check_in_time_ms, a.is_late, a.late_minutes,
                  a.is_manual_override, a.override_reason) ==
         std::tie(b.status, b.method, b.check_in_time_ms, b.is_late, b.late_minutes,
                  b.is_manual_override, b.override_reason);
}

std::string op_key(UserId user, std::string_view op_id) {
  std::string k = std::to_string(user.value);
  k.push_back(':');
  k.append(op_id);
  return k;
}
}  // namespace

Record Session::record_of(UserId student) const {
  const auto it = records.find(student);
  if (it != records.end()) return it->second;
  Record r;
  r.student = student;
  r.timestamp_ms = starts_at_ms;
  return r;
}

std::string Session::code_at(std::int64_t at_ms) const {
  if (!rotating_code()) return verification_code;
  return domain::rotating_code(code_seed, code_window(at_ms, code_rotation_s));
}

bool Session::code_accepted(std::string_view code, std::int64_t at_ms) const {
  if (!rotating_code()) return rules::equal_constant_time(code, verification_code);
  const std::int64_t window = code_window(at_ms, code_rotation_s);
  // Both compared, always: the time taken says nothing about which one matched.
  const bool current = rules::equal_constant_time(code, domain::rotating_code(code_seed, window));
  const bool previous =
      rules::equal_constant_time(code, domain::rotating_code(code_seed, window - 1));
  return current | previous;
}

Lateness lateness(std::int64_t starts_at_ms, std::uint32_t late_after_minutes, std::int64_t at_ms) {
  const std::int64_t elapsed_ms = at_ms - starts_at_ms;
  if (elapsed_ms <= static_cast<std::int64_t>(late_after_minutes) * kMinuteMs) return {};
  return {true, static_cast<std::uint32_t>(elapsed_ms / kMinuteMs)};
}

Counts count(const ClassInfo& cls, const Session& session) {
  Counts c;
  for (const UserId student : cls.students) {
    const auto it = session.records.find(student);
    const AttendanceStatus s =
        it == session.records.end() ? AttendanceStatus::Unmarked : it->second.status;
    switch (s) {
      case AttendanceStatus::Present: ++c.present; break;
      case AttendanceStatus::Late: ++c.late; break;
      case AttendanceStatus::Absent: ++c.absent; break;
      case AttendanceStatus::Excused: ++c.excused; break;
      case AttendanceStatus::Unmarked: ++c.unmarked; break;
    }
    ++c.total;
  }
  return c;
}

Session* ClassAttendance::find(SessionId id) {
  if (class_of(id) != id_) return nullptr;
  const std::uint64_t seq = id.value & kSessionSeqMax;
  if (seq == 0 || seq > sessions_.size()) return nullptr;
  Session& s = sessions_[seq - 1];
  RC_ASSERT(s.id == id);
  return &s;
}

const Session* ClassAttendance::session(SessionId id) const {
  return const_cast<ClassAttendance*>(this)->find(id);
}

bool ClassAttendance::write(Session& s, Record next, UserId actor, std::int64_t now_ms,
                            bool offline) {
  RC_ASSERT(next.student);
  const Record before = s.record_of(next.student);
  RC_ASSERT(next.sync_changes >= before.sync_changes);  // the counts only grow
  RC_ASSERT(next.override_sync_changes >= before.override_sync_changes);
  if (offline && s.records.count(next.student) != 0 && same_to_see(before, next)) {
    // Nothing visible changes: the version shown (its time, its offline marking)
    // stays; only what decides later merges does.
    next.timestamp_ms = before.timestamp_ms;
    next.offline = before.offline;
    s.records[next.student] = std::move(next);
    return false;
  }
  next.timestamp_ms = now_ms;
  next.offline = offline;
  AuditEntry entry;
  entry.at_ms = now_ms;
  entry.actor = actor;
  entry.student = next.student;
  entry.from = before.status;
  entry.to = next.status;
  entry.method = next.method;
  entry.reason = next.override_reason;
  entry.offline = offline;
  s.audit.push_back(std::move(entry));
  s.records[next.student] = std::move(next);
  return true;
}

void ClassAttendance::restore(std::deque<Session> sessions) {
  sessions_ = std::move(sessions);
  open_index_ = -1;
  for (std::size_t i = 0; i < sessions_.size(); ++i) {
    const Session& s = sessions_[i];
    RC_ASSERT(s.id == make_session_id(id_, i + 1));
    if (s.open) {
      RC_ASSERT(open_index_ < 0);
      open_index_ = static_cast<std::int64_t>(i);
    }
  }
}

const Session* ClassAttendance::session_at(std::int64_t at_ms) const {
  for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) {
    if (it->starts_at_ms > at_ms) continue;
    if (!it->open && at_ms > it->closed_at_ms) return nullptr;  // between sessions
    return &*it;
  }
  return nullptr;
}

const AppliedOp* ClassAttendance::applied_op(UserId user, std::string_view op_id) const {
  const auto it = op_index_.find(op_key(user, op_id));
  return it == op_index_.end() ? nullptr : &applied_ops_[it->second];
}

void ClassAttendance::remember(UserId user, const std::string& op_id, SessionId session,
                               UserId student) {
  RC_ASSERT(!op_id.empty());
  const bool fresh = op_index_.emplace(op_key(user, op_id), applied_ops_.size()).second;
  RC_ASSERT(fresh);
  applied_ops_.push_back(AppliedOp{user, op_id, session, student});
}

void ClassAttendance::restore_applied_ops(std::vector<AppliedOp> ops) {
  applied_ops_.clear();
  op_index_.clear();
  for (AppliedOp& op : ops) remember(op.user, op.op_id, op.session, op.student);
}

}  // namespace rollcall::domain

#include "rollcall/domain/attendance.hpp"

#include <algorithm>
#include <unordered_set>

#include "rollcall/common/assert.hpp"

namespace rollcall::domain {

namespace {
constexpr std::int64_t kMinuteMs = 60'000;

bool settable(AttendanceStatus s) {
  return s != AttendanceStatus::Unmarked;
}

bool is_enrolled(const ClassInfo& cls, UserId student) {
  return std::binary_search(cls.students.begin(), cls.students.end(), student);
}

// Why a teacher may not set `student` to `status` in `s` (REST or synced), or None.
Refusal override_refusal(const ClassInfo& cls, const Session* s, UserId student,
                         AttendanceStatus status) {
  if (s == nullptr) return Refusal::SessionNotFound;
  if (!is_enrolled(cls, student)) return Refusal::UnknownStudent;
  if (!settable(status)) return Refusal::InvalidStatus;
  return Refusal::None;
}

// A fresh check-in record: nothing of an automatic absence carries over.
Record check_in_record(const Session& s, UserId student, Method method, std::int64_t at_ms) {
  const Lateness late = lateness(s.starts_at_ms, s.late_after_minutes, at_ms);
  Record r;
  r.student = student;
  r.status = late.is_late ? AttendanceStatus::Late : AttendanceStatus::Present;
  r.method = method;
  r.check_in_time_ms = at_ms;
  r.is_late = late.is_late;
  r.late_minutes = late.late_minutes;
  return r;
}

// Late minutes of an overridden `late` record: from the real check-in time if any.
std::uint32_t override_late_minutes(const Session& s, const Record& r) {
  return r.status == AttendanceStatus::Late && r.check_in_time_ms
             ? lateness(s.starts_at_ms, 0, *r.check_in_time_ms).late_minutes
             : 0;
}

// `current` as a teacher set it (keeping the check-in time underneath).
Record overridden(const Session& s, Record r, AttendanceStatus status,
                  const std::optional<std::string>& reason, std::int64_t at_ms,
                  const std::string& op_id) {
  r.status = status;
  r.method = Method::TeacherOverride;
  r.is_manual_override = true;
  r.override_reason = reason;
  r.override_at_ms = at_ms;
  r.override_op = op_id;
  r.is_late = status == AttendanceStatus::Late;
  r.late_minutes = override_late_minutes(s, r);
  return r;
}

// A teacher's decision made now (REST override or bulk, at the server's time with
// op_id "") loses only to a synced override made later: one from a device whose clock
// is ahead of the server's (within the allowed skew). Between two decisions made at
// the server's time the later arrival is the later one, so an equal time wins.
bool later_override_stands(const Record& current, std::int64_t now_ms) {
  return current.is_manual_override && !current.override_op.empty() &&
         current.override_at_ms >= now_ms;
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

void ClassAttendance::write(Session& s, Record next, UserId actor, std::int64_t now_ms) {
  const Record before = s.record_of(next.student);
  next.timestamp_ms = now_ms;
  AuditEntry entry;
  entry.at_ms = now_ms;
  entry.actor = actor;
  entry.student = next.student;
  entry.from = before.status;
  entry.to = next.status;
  entry.method = next.method;
  entry.reason = next.override_reason;
  s.audit.push_back(std::move(entry));
  s.records[next.student] = std::move(next);
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

OpenResult ClassAttendance::open(const OpenSession& cmd) {
  OpenResult out;
  if (open_index_ >= 0) {
    out.error = Refusal::SessionAlreadyOpen;
    out.session = open_session();
    return out;
  }
  if (sessions_.size() >= kSessionSeqMax) {
    out.error = Refusal::TooManySessions;
    return out;
  }
  Session& s = sessions_.emplace_back();
  s.id = make_session_id(id_, sessions_.size());
  s.class_id = id_;
  s.open = true;
  s.starts_at_ms = cmd.now_ms;
  s.late_after_minutes = cmd.late_after_minutes;
  s.verification_code = cmd.verification_code;
  open_index_ = static_cast<std::int64_t>(sessions_.size() - 1);
  out.session = &s;
  out.events.push_back(Event{Event::Kind::SessionOpened, s.id, {}, false, 0});
  return out;
}

CheckInResult ClassAttendance::check_in(const ClassInfo& cls, SessionId sid, const CheckIn& cmd) {
  CheckInResult out;
  Session* s = find(sid);
  if (s == nullptr) {
    out.error = Refusal::NoOpenSession;
    return out;
  }
  if (!is_enrolled(cls, cmd.student)) {
    out.error = Refusal::NotEnrolled;
    return out;
  }
  const Record current = s->record_of(cmd.student);
  // A teacher's decision and an earlier check-in both stand: answer with them.
  if (current.is_manual_override || current.status == AttendanceStatus::Present ||
      current.status == AttendanceStatus::Late) {
    out.record = current;
    return out;
  }
  if (!s->open) {
    out.error = Refusal::SessionClosed;
    return out;
  }
  write(*s, check_in_record(*s, cmd.student, cmd.method, cmd.at_ms), cmd.student, cmd.now_ms);
  out.created = true;
  out.record = s->records[cmd.student];
  out.events.push_back(Event{Event::Kind::CheckedIn, sid, {out.record}, true, 0});
  return out;
}

RecordResult ClassAttendance::override_record(const ClassInfo& cls, SessionId sid,
                                              const Override& cmd) {
  RecordResult out;
  Session* s = find(sid);
  out.error = override_refusal(cls, s, cmd.student, cmd.status);
  if (out.error != Refusal::None) return out;
  const bool had_record = s->records.count(cmd.student) != 0;
  const Record current = s->record_of(cmd.student);
  if (later_override_stands(current, cmd.now_ms)) {
    out.superseded = true;
    out.record = current;
    return out;
  }
  // A REST override counts at the server's time, with op_id "".
  write(*s, overridden(*s, current, cmd.status, cmd.reason, cmd.now_ms, ""), cmd.actor, cmd.now_ms);
  out.created = !had_record;
  out.record = s->records[cmd.student];
  out.events.push_back(Event{Event::Kind::RecordChanged, sid, {out.record}, out.created, 0});
  return out;
}

BulkResult ClassAttendance::bulk(const ClassInfo& cls, SessionId sid, const Bulk& cmd) {
  BulkResult out;
  Session* s = find(sid);
  if (s == nullptr) {
    out.error = Refusal::SessionNotFound;
    return out;
  }
  // Validate everything before touching anything.
  std::unordered_set<UserId> seen;
  for (const BulkItem& item : cmd.updates) {
    if (!is_enrolled(cls, item.student)) {
      out.error = Refusal::UnknownStudent;
      out.offending_student = item.student;
      return out;
    }
    if (!settable(item.status)) {
      out.error = Refusal::InvalidStatus;
      out.offending_student = item.student;
      return out;
    }
    if (!seen.insert(item.student).second) {
      out.error = Refusal::DuplicateStudent;
      out.offending_student = item.student;
      return out;
    }
  }
  if (cmd.mark_remaining && !settable(*cmd.mark_remaining)) {
    out.error = Refusal::InvalidStatus;
    return out;
  }
  auto apply = [&](UserId student, AttendanceStatus status,
                   const std::optional<std::string>& reason) {
    Record next = s->record_of(student);
    if (later_override_stands(next, cmd.now_ms)) return false;
    next.status = status;
    next.method = Method::Bulk;
    next.is_manual_override = true;
    next.override_reason = reason;
    next.override_at_ms = cmd.now_ms;
    next.override_op.clear();
    next.is_late = status == AttendanceStatus::Late;
    if (!next.is_late) next.late_minutes = 0;
    write(*s, next, cmd.actor, cmd.now_ms);
    out.changed.push_back(s->records[student]);
    return true;
  };
  for (const BulkItem& item : cmd.updates) {
    if (apply(item.student, item.status, item.reason)) out.updates_applied.push_back(item);
  }
  if (cmd.mark_remaining) {
    for (const UserId student : cls.students) {
      if (s->record_of(student).status == AttendanceStatus::Unmarked)
        apply(student, *cmd.mark_remaining, std::nullopt);
    }
  }
  if (!out.changed.empty())
    out.events.push_back(Event{Event::Kind::BulkChanged, sid, out.changed, false, 0});
  return out;
}

CloseResult ClassAttendance::close(const ClassInfo& cls, SessionId sid, const CloseSession& cmd) {
  CloseResult out;
  Session* s = find(sid);
  if (s == nullptr) {
    out.error = Refusal::SessionNotFound;
    return out;
  }
  if (!s->open) {
    out.error = Refusal::SessionAlreadyClosed;
    return out;
  }
  std::vector<Record> marked;
  for (const UserId student : cls.students) {
    Record next = s->record_of(student);
    if (next.status != AttendanceStatus::Unmarked) continue;
    next.status = AttendanceStatus::Absent;
    next.method = Method::SessionClose;
    write(*s, next, cmd.actor, cmd.now_ms);
    marked.push_back(s->records[student]);
  }
  s->open = false;
  s->closed_at_ms = cmd.now_ms;
  if (open_session() == s) open_index_ = -1;
  out.marked_absent = static_cast<std::uint32_t>(marked.size());
  out.events.push_back(
      Event{Event::Kind::SessionClosed, sid, std::move(marked), false, out.marked_absent});
  return out;
}

// ---------------------------------------------------------------------------
// Offline sync

const Session* ClassAttendance::session_at(std::int64_t at_ms) const {
  for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) {
    if (it->starts_at_ms > at_ms) continue;
    if (!it->open && at_ms > it->closed_at_ms) return nullptr;  // between sessions
    return &*it;
  }
  return nullptr;
}

namespace {
std::string op_key(UserId user, std::string_view op_id) {
  std::string k = std::to_string(user.value);
  k.push_back(':');
  k.append(op_id);
  return k;
}

bool checked_in(const Record& r) {
  return !r.is_manual_override &&
         (r.status == AttendanceStatus::Present || r.status == AttendanceStatus::Late);
}
}  // namespace

const AppliedOp* ClassAttendance::applied_op(UserId user, std::string_view op_id) const {
  const auto it = op_index_.find(op_key(user, op_id));
  return it == op_index_.end() ? nullptr : &applied_ops_[it->second];
}

void ClassAttendance::remember(UserId user, const std::string& op_id, SessionId session,
                               UserId student) {
  op_index_.emplace(op_key(user, op_id), applied_ops_.size());
  applied_ops_.push_back(AppliedOp{user, op_id, session, student});
}

void ClassAttendance::restore_applied_ops(std::vector<AppliedOp> ops) {
  applied_ops_.clear();
  op_index_.clear();
  for (AppliedOp& op : ops) remember(op.user, op.op_id, op.session, op.student);
}

SyncResult ClassAttendance::sync_check_in(const ClassInfo& cls, SessionId sid,
                                          const SyncCheckIn& cmd) {
  SyncResult out;
  Session* s = find(sid);
  if (s == nullptr) {
    out.error = Refusal::SessionNotFound;
    return out;
  }
  if (!is_enrolled(cls, cmd.student)) {
    out.error = Refusal::NotEnrolled;
    return out;
  }
  if (const AppliedOp* op = applied_op(cmd.student, cmd.op_id)) {
    out.outcome = SyncOutcome::Duplicate;
    out.record = find(op->session)->record_of(op->student);
    return out;
  }
  if (cmd.client_time_ms > cmd.latest_ms) {
    out.error = Refusal::InFuture;
    return out;
  }
  if (cmd.client_time_ms < s->starts_at_ms || (!s->open && cmd.client_time_ms > s->closed_at_ms)) {
    out.error = Refusal::OutsideSession;
    return out;
  }
  const bool had_record = s->records.count(cmd.student) != 0;
  const Record current = s->record_of(cmd.student);
  Record next = current;
  if (current.is_manual_override) {
    // The teacher's decision stands; an earlier check-in time goes underneath it.
    if (current.check_in_time_ms && *current.check_in_time_ms <= cmd.client_time_ms) {
      out.outcome = SyncOutcome::Superseded;
      out.record = current;
      return out;
    }
    next.check_in_time_ms = cmd.client_time_ms;
    next.late_minutes = override_late_minutes(*s, next);
  } else {
    // The earliest check-in counts (then the smaller method, for equal times).
    if (checked_in(current) && std::pair(*current.check_in_time_ms, current.method) <=
                                   std::pair(cmd.client_time_ms, cmd.method)) {
      out.outcome = SyncOutcome::Superseded;
      out.record = current;
      return out;
    }
    next = check_in_record(*s, cmd.student, cmd.method, cmd.client_time_ms);
  }
  write(*s, next, cmd.student, cmd.now_ms);
  remember(cmd.student, cmd.op_id, sid, cmd.student);
  out.record = s->records[cmd.student];
  // A first check-in (also replacing session_close's absent) is a student_joined;
  // moving an existing check-in earlier, or under an override, is an update.
  const bool fresh = !current.is_manual_override && !checked_in(current);
  out.events.push_back(Event{fresh ? Event::Kind::CheckedIn : Event::Kind::RecordChanged,
                             sid,
                             {out.record},
                             fresh ? true : !had_record,
                             0});
  return out;
}

SyncResult ClassAttendance::sync_override(const ClassInfo& cls, SessionId sid,
                                          const SyncOverride& cmd) {
  SyncResult out;
  Session* s = find(sid);
  out.error = override_refusal(cls, s, cmd.student, cmd.status);
  if (out.error != Refusal::None) return out;
  if (const AppliedOp* op = applied_op(cmd.actor, cmd.op_id)) {
    out.outcome = SyncOutcome::Duplicate;
    out.record = find(op->session)->record_of(op->student);
    return out;
  }
  if (cmd.client_time_ms > cmd.latest_ms) {
    out.error = Refusal::InFuture;
    return out;
  }
  if (cmd.client_time_ms < s->starts_at_ms) {  // (after the close is fine: a correction)
    out.error = Refusal::OutsideSession;
    return out;
  }
  const bool had_record = s->records.count(cmd.student) != 0;
  const Record current = s->record_of(cmd.student);
  // Between overrides the later client_time wins; ties: the larger op_id.
  if (current.is_manual_override &&
      std::pair(current.override_at_ms, std::string_view(current.override_op)) >=
          std::pair(cmd.client_time_ms, std::string_view(cmd.op_id))) {
    out.outcome = SyncOutcome::Superseded;
    out.record = current;
    return out;
  }
  write(*s, overridden(*s, current, cmd.status, cmd.reason, cmd.client_time_ms, cmd.op_id),
        cmd.actor, cmd.now_ms);
  remember(cmd.actor, cmd.op_id, sid, cmd.student);
  out.record = s->records[cmd.student];
  out.events.push_back(Event{Event::Kind::RecordChanged, sid, {out.record}, !had_record, 0});
  return out;
}

}  // namespace rollcall::domain

// ClassAttendance::apply: one function per command, each refusing before it changes
// anything, and each reporting the command as the log must store it.

#include <algorithm>
#include <unordered_set>

#include "rollcall/common/assert.hpp"
#include "rollcall/domain/attendance.hpp"
#include "src/domain/outcomes.hpp"
#include "src/domain/record_rules.hpp"

namespace rollcall::domain {

namespace {

using outcomes::refused;
using outcomes::unchanged;

// The students of `cls` still unmarked in `s`, ascending, leaving out `except`.
std::vector<UserId> unmarked(const ClassInfo& cls, const Session& s,
                             const std::unordered_set<UserId>& except = {}) {
  std::vector<UserId> out;
  for (const UserId student : cls.students) {
    if (except.count(student) == 0 && s.record_of(student).status == AttendanceStatus::Unmarked) {
      out.push_back(student);
    }
  }
  return out;
}

// A list a logged command carries must name enrolled, unmarked students only,
// outside `except`: else the command did not come from this state.
bool all_unmarked(const ClassInfo& cls, const Session& s, const std::vector<UserId>& students,
                  const std::unordered_set<UserId>& except = {}) {
  return std::all_of(students.begin(), students.end(), [&](UserId u) {
    return rules::enrolled(cls, u) && except.count(u) == 0 &&
           s.record_of(u).status == AttendanceStatus::Unmarked;
  });
}

// Why a bulk call must be refused whole, or None (with the student at fault).
Refusal bulk_refusal(const ClassInfo& cls, const Bulk& cmd, UserId& offending) {
  std::unordered_set<UserId> seen;
  for (const BulkItem& item : cmd.items) {
    offending = item.student;
    if (!rules::enrolled(cls, item.student)) return Refusal::UnknownStudent;
    if (!rules::settable(item.status)) return Refusal::InvalidStatus;
    if (!seen.insert(item.student).second) return Refusal::DuplicateStudent;
  }
  offending = {};
  if (cmd.mark_remaining && !rules::settable(*cmd.mark_remaining)) return Refusal::InvalidStatus;
  if (cmd.remaining && !cmd.mark_remaining && !cmd.remaining->empty()) return Refusal::NotAsLogged;
  return Refusal::None;
}

}  // namespace

Outcome ClassAttendance::apply(const ClassInfo& cls, const Command& cmd) {
  RC_ASSERT(cls.id == id_);
  if (!domain::class_of(cmd)) return refused(Refusal::NotAsLogged);  // the roster owner's
  RC_ASSERT(domain::class_of(cmd) == id_);
  return std::visit(
      [&](const auto& c) -> Outcome {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, OpenSession>) return open(c);
        if constexpr (std::is_same_v<T, CheckIn>) return check_in(cls, c, false);
        if constexpr (std::is_same_v<T, Override>) return override_record(cls, c, false);
        if constexpr (std::is_same_v<T, Bulk>) return bulk(cls, c);
        if constexpr (std::is_same_v<T, CloseSession>) return close(cls, c);
        if constexpr (std::is_same_v<T, AnnounceJoin>) return announce_join(c);
        return refused(Refusal::NotAsLogged);
      },
      cmd);
}

Outcome ClassAttendance::open(const OpenSession& cmd) {
  if (open_index_ >= 0) {
    Outcome out = refused(Refusal::SessionAlreadyOpen);
    out.session = open_session()->id;
    return out;
  }
  if (sessions_.size() >= kSessionSeqMax) return refused(Refusal::TooManySessions);
  Session& s = sessions_.emplace_back();
  s.id = make_session_id(id_, sessions_.size());
  s.class_id = id_;
  s.open = true;
  s.starts_at_ms = cmd.now_ms;
  s.late_after_minutes = cmd.late_after_minutes;
  s.verification_code = cmd.verification_code;
  s.code_seed = cmd.code_seed;
  s.code_rotation_s = cmd.code_rotation_s;
  open_index_ = static_cast<std::int64_t>(sessions_.size() - 1);
  Outcome out;
  out.change = Change::Applied;
  out.session = s.id;
  out.logged = cmd;
  out.events.push_back(Event{Event::Kind::SessionOpened, s.id, {}, false, 0, {}});
  return out;
}

Outcome ClassAttendance::check_in(const ClassInfo& cls, const CheckIn& cmd, bool bounded) {
  if (!cmd.op_id.empty()) {
    if (const AppliedOp* op = applied_op(cmd.student, cmd.op_id)) return duplicate_of(*op);
  }
  Session* s = find(cmd.session);
  if (s == nullptr) return refused(Refusal::NoOpenSession);
  if (!rules::enrolled(cls, cmd.student)) return refused(Refusal::NotEnrolled);
  if (cmd.at_ms < s->starts_at_ms) return refused(Refusal::BeforeSession);
  // (A live check-in, op_id "", happens now: after a close whatever the clock says.)
  if (rules::after_close(*s, cmd.at_ms, cmd.op_id.empty())) return refused(Refusal::SessionClosed);
  const bool had_record = s->records.count(cmd.student) != 0;
  const Record current = s->record_of(cmd.student);
  Record next;
  if (current.remaining_absent) {
    next = rules::late_arrival(*s, current, cmd.method, cmd.at_ms);
  } else if (current.is_manual_override) {
    // The teacher's decision stands. A live check-in leaves it as it is (API.md §4:
    // answered with the overridden record); an offline one made earlier puts its
    // time underneath, as it would be had it arrived before the override.
    if (cmd.op_id.empty() || (current.check_in_time_ms && *current.check_in_time_ms <= cmd.at_ms)) {
      return unchanged(s->id, current);
    }
    next = current;
    next.check_in_time_ms = cmd.at_ms;
    next.late_minutes = rules::override_late_minutes(*s, next);
  } else {
    // The earliest check-in counts (then the smaller method, for equal times).
    if (rules::checked_in(current) &&
        std::pair(*current.check_in_time_ms, current.method) <= std::pair(cmd.at_ms, cmd.method)) {
      return unchanged(s->id, current);
    }
    next = rules::check_in_record(*s, cmd.student, cmd.method, cmd.at_ms);
  }
  // It would change the record: a synced one counts against the student's bound.
  const bool offline = !cmd.op_id.empty();
  if (offline && bounded && current.sync_changes >= kSyncChangesMax) {
    return refused(Refusal::TooManyChanges);
  }
  next.sync_changes = current.sync_changes + (offline ? 1 : 0);
  next.override_sync_changes = current.override_sync_changes;  // the teacher count stays
  const bool shown = write(*s, next, cmd.student, cmd.now_ms, offline);
  RC_ASSERT(shown);  // an earlier time, a smaller method or a new status: always visible
  if (!cmd.op_id.empty()) remember(cmd.student, cmd.op_id, s->id, cmd.student);
  // A first check-in (also replacing session_close's absent) is a student_joined;
  // moving an existing check-in earlier, or under an override, is an update.
  const bool fresh =
      (!current.is_manual_override || current.remaining_absent) && !rules::checked_in(current);
  Outcome out;
  out.change = Change::Applied;
  out.session = s->id;
  out.created = fresh;
  out.records.push_back(s->records[cmd.student]);
  out.logged = cmd;
  out.events.push_back(Event{fresh ? Event::Kind::CheckedIn : Event::Kind::RecordChanged,
                             s->id,
                             out.records,
                             fresh || !had_record,
                             0,
                             {}});
  return out;
}

Outcome ClassAttendance::override_record(const ClassInfo& cls, const Override& cmd, bool bounded) {
  if (!cmd.op_id.empty()) {
    if (const AppliedOp* op = applied_op(cmd.actor, cmd.op_id)) return duplicate_of(*op);
  }
  Session* s = find(cmd.session);
  if (s == nullptr) return refused(Refusal::SessionNotFound);
  if (!rules::enrolled(cls, cmd.student)) return refused(Refusal::StudentNotFound);
  if (!rules::settable(cmd.status)) return refused(Refusal::InvalidStatus);
  // (After the close is fine: a correction.)
  if (cmd.at_ms < s->starts_at_ms) return refused(Refusal::BeforeSession);
  const bool had_record = s->records.count(cmd.student) != 0;
  const Record current = s->record_of(cmd.student);
  if (!rules::override_wins(current, cmd.at_ms, cmd.op_id)) return unchanged(s->id, current);
  // It wins, so it would be logged and remembered: a synced one counts against the
  // bound on synced overrides of this record (the student's check-ins count apart).
  const bool offline = !cmd.op_id.empty();
  if (offline && bounded && current.override_sync_changes >= kOverrideSyncChangesMax) {
    return refused(Refusal::TooManyOverrides);
  }
  Record next = rules::overridden(*s, current, cmd.status, cmd.reason, cmd.at_ms, cmd.op_id);
  next.override_sync_changes = current.override_sync_changes + (offline ? 1 : 0);
  // A synced override that shows nothing new (same status and reason) still wins
  // the merge (its time and op_id decide later ones), but publishes nothing.
  const bool shown = write(*s, std::move(next), cmd.actor, cmd.now_ms, offline);
  if (offline) remember(cmd.actor, cmd.op_id, s->id, cmd.student);
  Outcome out;
  out.change = Change::Applied;
  out.session = s->id;
  out.created = !had_record;
  out.records.push_back(s->records[cmd.student]);
  out.logged = cmd;
  if (shown) {
    out.events.push_back(Event{Event::Kind::RecordChanged, s->id, out.records, !had_record, 0, {}});
  }
  return out;
}

Outcome ClassAttendance::bulk(const ClassInfo& cls, const Bulk& cmd) {
  Session* s = find(cmd.session);
  if (s == nullptr) return refused(Refusal::SessionNotFound);
  UserId offending;
  if (const Refusal r = bulk_refusal(cls, cmd, offending); r != Refusal::None) {
    return refused(r, offending);
  }
  std::unordered_set<UserId> named;
  for (const BulkItem& item : cmd.items) named.insert(item.student);
  std::vector<UserId> remaining;
  if (cmd.remaining) {
    if (!all_unmarked(cls, *s, *cmd.remaining, named)) return refused(Refusal::NotAsLogged);
    remaining = *cmd.remaining;
  } else if (cmd.mark_remaining) {
    remaining = unmarked(cls, *s, named);
  }
  Outcome out;
  out.session = s->id;
  Bulk logged = cmd;
  logged.items.clear();
  for (const BulkItem& item : cmd.items) {
    const Record current = s->record_of(item.student);
    // An update loses where an offline override made later stands.
    if (!rules::override_wins(current, cmd.now_ms, "")) continue;
    write(*s, rules::bulk_marked(*s, current, item.status, item.reason, cmd.now_ms), cmd.actor,
          cmd.now_ms);
    out.records.push_back(s->records[item.student]);
    logged.items.push_back(item);
  }
  for (const UserId student : remaining) {
    Record next = rules::bulk_marked(*s, s->record_of(student), *cmd.mark_remaining, std::nullopt,
                                     cmd.now_ms);
    next.remaining_absent = *cmd.mark_remaining == AttendanceStatus::Absent;
    write(*s, std::move(next), cmd.actor, cmd.now_ms);
    out.records.push_back(s->records[student]);
  }
  if (out.records.empty()) {
    out.change = Change::Unchanged;
    return out;
  }
  logged.remaining = std::move(remaining);
  out.change = Change::Applied;
  out.logged = std::move(logged);
  out.events.push_back(Event{Event::Kind::BulkChanged, s->id, out.records, false, 0, {}});
  return out;
}

Outcome ClassAttendance::close(const ClassInfo& cls, const CloseSession& cmd) {
  Session* s = find(cmd.session);
  if (s == nullptr) return refused(Refusal::SessionNotFound);
  if (!s->open) return refused(Refusal::SessionAlreadyClosed);
  if (cmd.marked_absent && !all_unmarked(cls, *s, *cmd.marked_absent)) {
    return refused(Refusal::NotAsLogged);
  }
  CloseSession logged = cmd;
  if (!logged.marked_absent) logged.marked_absent = unmarked(cls, *s);
  Outcome out;
  for (const UserId student : *logged.marked_absent) {
    Record next = s->record_of(student);
    next.status = AttendanceStatus::Absent;
    next.method = Method::SessionClose;
    write(*s, next, cmd.actor, cmd.now_ms);
    out.records.push_back(s->records[student]);
  }
  s->open = false;
  s->closed_at_ms = cmd.now_ms;
  if (open_index_ >= 0 && &sessions_[static_cast<std::size_t>(open_index_)] == s) open_index_ = -1;
  const auto marked = static_cast<std::uint32_t>(out.records.size());
  out.change = Change::Applied;
  out.session = s->id;
  out.logged = std::move(logged);
  out.events.push_back(Event{Event::Kind::SessionClosed, s->id, out.records, false, marked, {}});
  return out;
}

Outcome ClassAttendance::announce_join(const AnnounceJoin& cmd) {
  Outcome out;
  out.change = Change::Applied;
  out.logged = cmd;
  out.events.push_back(Event{Event::Kind::StudentJoinedClass, {}, {}, false, 0, cmd.student});
  return out;
}

Outcome ClassAttendance::duplicate_of(const AppliedOp& op) {
  const Session* s = find(op.session);
  RC_ASSERT(s != nullptr);
  Outcome out;
  out.change = Change::Duplicate;
  out.session = op.session;
  out.records.push_back(s->record_of(op.student));
  return out;
}

}  // namespace rollcall::domain

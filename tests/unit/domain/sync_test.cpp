// Offline sync rules (API.md §6) in the domain: unit cases and the convergence
// property (the final records do not depend on the order ops arrive in).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "rollcall/domain/attendance.hpp"

namespace rollcall::domain {
namespace {

constexpr std::int64_t kStart = 1'795'334'400'000;  // 2026-11-22T08:00:00Z
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kNow = kStart + 90 * kMinute;
constexpr std::int64_t kLatest = kNow + 2 * kMinute;  // the default clock skew
const UserId kTeacher{2};
const UserId kAlice{10}, kBob{11}, kCarol{12}, kStranger{99};

ClassInfo class_info(int students = 3) {
  ClassInfo info;
  info.id = ClassId{4};
  info.name = "Math 101";
  info.teachers = {kTeacher};
  for (int i = 0; i < students; ++i)
    info.students.push_back(UserId{10 + static_cast<std::uint64_t>(i)});
  return info;
}

SyncCheckIn check_in(UserId student, std::int64_t at, std::string op,
                     Method m = Method::VerificationCode) {
  return SyncCheckIn{student, m, at, kNow, kLatest, std::move(op)};
}
SyncOverride override_op(UserId student, AttendanceStatus status, std::int64_t at, std::string op,
                         std::optional<std::string> reason = "offline") {
  return SyncOverride{kTeacher, student, status,  std::move(reason),
                      at,       kNow,    kLatest, std::move(op)};
}

// What a user sees of a record's decision (not when it was committed).
auto visible_status(const Record& r) {
  return std::tuple(r.status, r.method, r.is_manual_override, r.override_reason, r.override_at_ms);
}

class SyncTest : public ::testing::Test {
 protected:
  SyncTest() : cls_(ClassId{4}), info_(class_info()) {
    sid_ = cls_.open({kTeacher, 5, "123456", kStart}).session->id;
  }
  const Record& record(UserId s) { return cls_.session(sid_)->records.at(s); }

  ClassAttendance cls_;
  ClassInfo info_;
  SessionId sid_;
};

TEST_F(SyncTest, OfflineCheckInCountsAtClientTimeWithLatenessFromIt) {
  const SyncResult on_time =
      cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + 4 * kMinute, "a1"));
  ASSERT_EQ(on_time.error, Refusal::None);
  EXPECT_EQ(on_time.outcome, SyncOutcome::Applied);
  EXPECT_EQ(on_time.record.status, AttendanceStatus::Present);
  EXPECT_EQ(on_time.record.check_in_time_ms, kStart + 4 * kMinute);
  EXPECT_EQ(on_time.record.timestamp_ms, kNow);  // committed now
  ASSERT_EQ(on_time.events.size(), 1u);
  EXPECT_EQ(on_time.events[0].kind, Event::Kind::CheckedIn);
  const SyncResult late =
      cls_.sync_check_in(info_, sid_, check_in(kBob, kStart + 17 * kMinute + 5, "b1"));
  EXPECT_EQ(late.record.status, AttendanceStatus::Late);
  EXPECT_EQ(late.record.late_minutes, 17u);
  // The audit says who, from what, to what, how.
  const AuditEntry& a = cls_.session(sid_)->audit.back();
  EXPECT_EQ(a.actor, kBob);
  EXPECT_EQ(a.to, AttendanceStatus::Late);
  EXPECT_EQ(a.method, Method::VerificationCode);
}

TEST_F(SyncTest, SameOpIdIsADuplicateForeverAndChangesNothing) {
  ASSERT_EQ(cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + kMinute, "x")).outcome,
            SyncOutcome::Applied);
  const std::size_t audit = cls_.session(sid_)->audit.size();
  const SyncResult again =
      cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + 2 * kMinute, "x"));
  EXPECT_EQ(again.outcome, SyncOutcome::Duplicate);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.record.check_in_time_ms, kStart + kMinute);
  EXPECT_EQ(cls_.session(sid_)->audit.size(), audit);
  // The op_id belongs to its sender: another student's "x" is a different op.
  EXPECT_EQ(cls_.sync_check_in(info_, sid_, check_in(kBob, kStart + kMinute, "x")).outcome,
            SyncOutcome::Applied);
  // A duplicate answers with the record as it is now.
  cls_.override_record(info_, sid_, {kTeacher, kAlice, AttendanceStatus::Excused, "dentist", kNow});
  const SyncResult later = cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + kMinute, "x"));
  EXPECT_EQ(later.outcome, SyncOutcome::Duplicate);
  EXPECT_EQ(later.record.status, AttendanceStatus::Excused);
}

TEST_F(SyncTest, EarliestCheckInCountsWhicheverArrivesFirst) {
  ASSERT_EQ(cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + 20 * kMinute, "late"))
                .record.status,
            AttendanceStatus::Late);
  const SyncResult earlier =
      cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + kMinute, "early", Method::QrCode));
  EXPECT_EQ(earlier.outcome, SyncOutcome::Applied);
  EXPECT_EQ(earlier.record.status, AttendanceStatus::Present);
  EXPECT_EQ(earlier.record.method, Method::QrCode);
  ASSERT_EQ(earlier.events.size(), 1u);
  EXPECT_EQ(earlier.events[0].kind, Event::Kind::RecordChanged);  // an update, not a new check-in
  const SyncResult later =
      cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + 2 * kMinute, "later"));
  EXPECT_EQ(later.outcome, SyncOutcome::Superseded);
  EXPECT_TRUE(later.events.empty());
  EXPECT_EQ(later.record.check_in_time_ms, kStart + kMinute);
}

TEST_F(SyncTest, OverrideBeatsAnyCheckInInEitherOrder) {
  ASSERT_EQ(
      cls_.sync_override(info_, sid_,
                         override_op(kAlice, AttendanceStatus::Late, kStart + 30 * kMinute, "o"))
          .outcome,
      SyncOutcome::Applied);
  EXPECT_EQ(record(kAlice).late_minutes, 0u);  // no check-in time yet
  const SyncResult ci =
      cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + 12 * kMinute, "c"));
  // The check-in time goes under the override; the status stays the teacher's.
  EXPECT_EQ(ci.outcome, SyncOutcome::Applied);
  EXPECT_EQ(ci.record.status, AttendanceStatus::Late);
  EXPECT_TRUE(ci.record.is_manual_override);
  EXPECT_EQ(ci.record.method, Method::TeacherOverride);
  EXPECT_EQ(ci.record.check_in_time_ms, kStart + 12 * kMinute);
  EXPECT_EQ(ci.record.late_minutes, 12u);
  // A later check-in changes nothing.
  EXPECT_EQ(cls_.sync_check_in(info_, sid_, check_in(kAlice, kStart + 13 * kMinute, "c2")).outcome,
            SyncOutcome::Superseded);
  // A REST override also beats a synced check-in that arrives after it.
  cls_.override_record(info_, sid_, {kTeacher, kBob, AttendanceStatus::Absent, "not here", kNow});
  const SyncResult bob = cls_.sync_check_in(info_, sid_, check_in(kBob, kStart + kMinute, "b"));
  EXPECT_EQ(bob.record.status, AttendanceStatus::Absent);
  EXPECT_TRUE(bob.record.is_manual_override);
}

TEST_F(SyncTest, LaterOverrideWinsTiesGoToTheLargerOpId) {
  const auto apply = [&](AttendanceStatus st, std::int64_t at, const char* op) {
    return cls_.sync_override(info_, sid_, override_op(kAlice, st, at, op));
  };
  EXPECT_EQ(apply(AttendanceStatus::Excused, kStart + 10 * kMinute, "m").outcome,
            SyncOutcome::Applied);
  EXPECT_EQ(apply(AttendanceStatus::Absent, kStart + 9 * kMinute, "z").outcome,
            SyncOutcome::Superseded);
  EXPECT_EQ(apply(AttendanceStatus::Absent, kStart + 10 * kMinute, "a").outcome,
            SyncOutcome::Superseded);
  const SyncResult tie = apply(AttendanceStatus::Present, kStart + 10 * kMinute, "n");
  EXPECT_EQ(tie.outcome, SyncOutcome::Applied);
  EXPECT_EQ(tie.record.status, AttendanceStatus::Present);
  // A REST override counts at the server's time with op_id "".
  cls_.override_record(
      info_, sid_, {kTeacher, kAlice, AttendanceStatus::Excused, "rest", kStart + 50 * kMinute});
  EXPECT_EQ(apply(AttendanceStatus::Absent, kStart + 49 * kMinute, "zzz").outcome,
            SyncOutcome::Superseded);
  EXPECT_EQ(apply(AttendanceStatus::Absent, kStart + 50 * kMinute, "a").outcome,
            SyncOutcome::Applied);
}

TEST_F(SyncTest, ARestOverrideLosesToASyncedOverrideMadeLaterInEitherOrder) {
  // A teacher's phone, its clock a minute ahead of the server's (within the skew),
  // syncs an override; the dashboard overrides the same student by REST.
  const std::int64_t ahead = kNow + kMinute;
  // Alice: the synced override arrives first; the REST one then changes nothing.
  ASSERT_EQ(cls_.sync_override(info_, sid_,
                               override_op(kAlice, AttendanceStatus::Absent, ahead, "phone-a"))
                .outcome,
            SyncOutcome::Applied);
  const std::size_t audit = cls_.session(sid_)->audit.size();
  const RecordResult rest = cls_.override_record(
      info_, sid_, {kTeacher, kAlice, AttendanceStatus::Excused, "desk", kNow});
  EXPECT_TRUE(rest.superseded);
  EXPECT_TRUE(rest.events.empty());
  EXPECT_EQ(rest.record.status, AttendanceStatus::Absent);
  EXPECT_EQ(record(kAlice).override_op, "phone-a");
  EXPECT_EQ(cls_.session(sid_)->audit.size(), audit);
  // Bob: REST first, then the synced override wins.
  EXPECT_FALSE(
      cls_.override_record(info_, sid_, {kTeacher, kBob, AttendanceStatus::Excused, "desk", kNow})
          .superseded);
  ASSERT_EQ(
      cls_.sync_override(info_, sid_, override_op(kBob, AttendanceStatus::Absent, ahead, "phone-b"))
          .outcome,
      SyncOutcome::Applied);
  EXPECT_EQ(visible_status(record(kAlice)), visible_status(record(kBob)));
  // Bulk is a decision at the server's time too: it leaves Alice and Bob to the phone
  // and writes Carol; it logs (and answers) only what it wrote.
  const BulkResult bulk = cls_.bulk(info_, sid_,
                                    {kTeacher,
                                     {{kAlice, AttendanceStatus::Present, std::nullopt},
                                      {kCarol, AttendanceStatus::Present, std::nullopt},
                                      {kBob, AttendanceStatus::Present, std::nullopt}},
                                     std::nullopt,
                                     kNow});
  ASSERT_EQ(bulk.error, Refusal::None);
  ASSERT_EQ(bulk.updates_applied.size(), 1u);
  EXPECT_EQ(bulk.updates_applied[0].student, kCarol);
  ASSERT_EQ(bulk.changed.size(), 1u);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Absent);
  EXPECT_EQ(record(kBob).status, AttendanceStatus::Absent);
  // Once the server's clock passes the phone's, a REST override is the later one again.
  EXPECT_FALSE(
      cls_.override_record(info_, sid_,
                           {kTeacher, kAlice, AttendanceStatus::Excused, "desk", ahead + 1})
          .superseded);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Excused);
  // Two decisions at the server's time: the later arrival wins, also at the same ms.
  EXPECT_FALSE(cls_.override_record(info_, sid_,
                                    {kTeacher, kAlice, AttendanceStatus::Late, "desk", ahead + 1})
                   .superseded);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Late);
}

TEST_F(SyncTest, CheckInAfterCloseReplacesTheAutomaticAbsentOnlyInsideTheInterval) {
  const std::int64_t closed = kStart + 45 * kMinute;
  ASSERT_EQ(cls_.close(info_, sid_, {kTeacher, closed}).marked_absent, 3u);
  const SyncResult in = cls_.sync_check_in(info_, sid_, check_in(kAlice, closed - kMinute, "in"));
  ASSERT_EQ(in.error, Refusal::None);
  EXPECT_EQ(in.record.status, AttendanceStatus::Late);
  EXPECT_EQ(in.record.method, Method::VerificationCode);
  EXPECT_EQ(in.events[0].kind, Event::Kind::CheckedIn);
  EXPECT_EQ(cls_.sync_check_in(info_, sid_, check_in(kBob, closed + 1, "after")).error,
            Refusal::OutsideSession);
  EXPECT_EQ(cls_.sync_check_in(info_, sid_, check_in(kBob, kStart - 1, "before")).error,
            Refusal::OutsideSession);
  EXPECT_EQ(cls_.sync_check_in(info_, sid_, check_in(kBob, closed, "at close")).error,
            Refusal::None);
  EXPECT_EQ(record(kCarol).status, AttendanceStatus::Absent);  // untouched
  EXPECT_EQ(count(info_, *cls_.session(sid_)).absent, 1u);
}

TEST_F(SyncTest, RefusalsLeaveNothingBehind) {
  EXPECT_EQ(cls_.sync_check_in(info_, sid_, check_in(kStranger, kStart + kMinute, "s")).error,
            Refusal::NotEnrolled);
  EXPECT_EQ(cls_.sync_check_in(info_, sid_, check_in(kAlice, kLatest + 1, "f")).error,
            Refusal::InFuture);
  EXPECT_EQ(cls_.sync_check_in(info_, sid_, check_in(kAlice, kLatest, "edge")).error,
            Refusal::None);
  EXPECT_EQ(
      cls_.sync_override(info_, sid_, override_op(kStranger, AttendanceStatus::Absent, kStart, "o"))
          .error,
      Refusal::UnknownStudent);
  EXPECT_EQ(
      cls_.sync_override(info_, sid_, override_op(kBob, AttendanceStatus::Unmarked, kStart, "o"))
          .error,
      Refusal::InvalidStatus);
  EXPECT_EQ(
      cls_.sync_override(info_, sid_, override_op(kBob, AttendanceStatus::Absent, kLatest + 1, "o"))
          .error,
      Refusal::InFuture);
  EXPECT_EQ(
      cls_.sync_override(info_, sid_, override_op(kBob, AttendanceStatus::Absent, kStart - 1, "o"))
          .error,
      Refusal::OutsideSession);
  EXPECT_EQ(cls_.sync_override(info_, SessionId{sid_.value + 1},
                               override_op(kBob, AttendanceStatus::Absent, kStart, "o"))
                .error,
            Refusal::SessionNotFound);
  // Refused ops are not remembered: the same op_id may apply later.
  EXPECT_EQ(cls_.applied_ops().size(), 1u);
  EXPECT_EQ(
      cls_.sync_override(info_, sid_, override_op(kBob, AttendanceStatus::Absent, kStart, "o"))
          .outcome,
      SyncOutcome::Applied);
}

TEST_F(SyncTest, SessionAtFindsTheSessionOpenAtATime) {
  ASSERT_EQ(cls_.close(info_, sid_, {kTeacher, kStart + 40 * kMinute}).error, Refusal::None);
  const SessionId second = cls_.open({kTeacher, 5, "222222", kStart + 60 * kMinute}).session->id;
  EXPECT_EQ(cls_.session_at(kStart - 1), nullptr);
  EXPECT_EQ(cls_.session_at(kStart)->id, sid_);
  EXPECT_EQ(cls_.session_at(kStart + 40 * kMinute)->id, sid_);
  EXPECT_EQ(cls_.session_at(kStart + 50 * kMinute), nullptr);
  EXPECT_EQ(cls_.session_at(kStart + 60 * kMinute)->id, second);
  EXPECT_EQ(cls_.session_at(kStart + 600 * kMinute)->id, second);  // still open
}

// --- Convergence property ------------------------------------------------------

struct Op {
  bool is_override = false;
  bool rest = false;  // an override by REST, made at `at` by the server's clock
  UserId who;         // the student (check-in) or the student overridden
  AttendanceStatus status = AttendanceStatus::Present;
  Method method = Method::VerificationCode;
  std::int64_t at = 0;
  std::string op_id;
  std::optional<std::string> reason;
};

// Everything a user can see of a record (not when the server committed it).
auto visible(const Record& r) {
  return std::tuple(r.student.value, r.status, r.method, r.check_in_time_ms, r.is_late,
                    r.late_minutes, r.is_manual_override, r.override_reason, r.override_at_ms,
                    r.override_op);
}

using Visible = decltype(visible(Record{}));

std::vector<Visible> final_records(const ClassInfo& info, const std::vector<Op>& ops,
                                   std::mt19937_64& rng, std::optional<std::int64_t> close_at) {
  ClassAttendance cls(info.id);
  const SessionId sid = cls.open({kTeacher, 5, "123456", kStart}).session->id;
  // Ops arrive in batches; the session may close (at a fixed time) between two of them.
  std::vector<std::size_t> order(ops.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  // REST overrides reach the server in the order of its clock (their `at`): keep the
  // slots the shuffle gave them, but fill those slots in time order.
  std::vector<std::size_t> rest_slots, rest_ops;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (ops[order[k]].rest) {
      rest_slots.push_back(k);
      rest_ops.push_back(order[k]);
    }
  }
  std::sort(rest_ops.begin(), rest_ops.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(ops[a].at, a) < std::pair(ops[b].at, b);
  });
  for (std::size_t j = 0; j < rest_slots.size(); ++j) order[rest_slots[j]] = rest_ops[j];
  const std::size_t close_after =
      close_at ? std::uniform_int_distribution<std::size_t>(0, ops.size())(rng) : ops.size() + 1;
  for (std::size_t k = 0; k <= order.size(); ++k) {
    if (k == close_after) cls.close(info, sid, {kTeacher, *close_at});
    if (k == order.size()) break;
    const Op& op = ops[order[k]];
    // Each op may also be retried (a lost answer): a duplicate must change nothing.
    if (op.rest) {
      cls.override_record(info, sid, {kTeacher, op.who, op.status, op.reason, op.at});
      continue;
    }
    const int tries = std::uniform_int_distribution<int>(1, 2)(rng);
    for (int t = 0; t < tries; ++t) {
      if (op.is_override) {
        cls.sync_override(info, sid,
                          {kTeacher, op.who, op.status, op.reason, op.at, kNow, kLatest, op.op_id});
      } else {
        cls.sync_check_in(info, sid, {op.who, op.method, op.at, kNow, kLatest, op.op_id});
      }
    }
  }
  std::vector<Visible> out;
  for (const UserId s : info.students) out.push_back(visible(cls.session(sid)->record_of(s)));
  return out;
}

TEST(SyncConvergenceTest, AnyArrivalOrderAndBatchingGivesTheSameRecords) {
  const ClassInfo info = class_info(6);
  std::mt19937_64 rng(20261122);
  const AttendanceStatus statuses[] = {AttendanceStatus::Present, AttendanceStatus::Late,
                                       AttendanceStatus::Absent, AttendanceStatus::Excused};
  int compared = 0;
  for (int trial = 0; trial < 300; ++trial) {
    // Times on a coarse grid so that ties (same time, different op or method) happen.
    std::uniform_int_distribution<int> minute(0, 12);
    std::vector<Op> ops;
    const int n = std::uniform_int_distribution<int>(1, 24)(rng);
    for (int i = 0; i < n; ++i) {
      Op op;
      op.is_override = std::uniform_int_distribution<int>(0, 2)(rng) == 0;
      op.rest = op.is_override && std::uniform_int_distribution<int>(0, 2)(rng) == 0;
      op.who = info.students[std::uniform_int_distribution<std::size_t>(
          0, info.students.size() - 1)(rng)];
      op.at = kStart + minute(rng) * 5 * kMinute;
      op.op_id = "op-" + std::to_string(std::uniform_int_distribution<int>(0, 999)(rng)) + "-" +
                 std::to_string(i);
      if (op.is_override) {
        op.status = statuses[std::uniform_int_distribution<int>(0, 3)(rng)];
        op.reason = "r" + std::to_string(i);
      } else {
        op.method = std::uniform_int_distribution<int>(0, 1)(rng) ? Method::QrCode
                                                                  : Method::VerificationCode;
      }
      ops.push_back(std::move(op));
    }
    // With a close at the end of the grid (every check-in time inside it), or none.
    const std::optional<std::int64_t> close_at =
        trial % 2 == 0 ? std::optional<std::int64_t>(kStart + 60 * kMinute) : std::nullopt;
    const std::vector<Visible> first = final_records(info, ops, rng, close_at);
    for (int order = 0; order < 20; ++order) {
      ASSERT_EQ(final_records(info, ops, rng, close_at), first)
          << "trial " << trial << " order " << order;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 300 * 20);
}

}  // namespace
}  // namespace rollcall::domain

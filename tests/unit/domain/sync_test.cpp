// Offline sync rules (API.md §6) in the domain: unit cases and the convergence
// property (the final records do not depend on the order ops arrive in, and the
// log of what applied replays to the same state).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "rollcall/domain/attendance.hpp"
#include "tests/unit/domain/fixtures.hpp"

namespace rollcall::domain {
namespace {

using namespace fixtures;

constexpr std::int64_t kNow = kStart + 90 * kMinute;
constexpr std::int64_t kLatest = kNow + 2 * kMinute;  // the default clock skew

// What a user sees of a record's decision (not when it was committed).
auto visible_status(const Record& r) {
  return std::tuple(r.status, r.method, r.is_manual_override, r.override_reason, r.override_at_ms);
}

class SyncTest : public ::testing::Test {
 protected:
  SyncTest() : cls_(kClass), info_(class_info()) {
    sid_ = cls_.apply(info_, open_cmd(kStart)).session;
  }
  // An offline check-in sent now (kNow) with the right code, or a QR token of its
  // window.
  Outcome sync_check_in(UserId student, std::int64_t at, std::string op,
                        Method m = Method::VerificationCode) {
    return cls_.attempt_check_in(
        info_, offline_check_in(sid_, student, at, std::move(op), kNow, kLatest,
                                m == Method::QrCode ? Proof{qr()} : Proof{CodeProof{kCode}}));
  }
  Outcome sync_override(UserId student, AttendanceStatus status, std::int64_t at, std::string op,
                        std::optional<std::string> reason = "offline",
                        SessionId sid = SessionId{}) {
    return cls_.attempt_override(
        info_, offline_override(sid ? sid : sid_, student, status, std::move(reason), at,
                                std::move(op), kNow, kLatest));
  }
  // A REST override, decided at `now` by the server's clock.
  Outcome rest_override(UserId student, AttendanceStatus status, std::optional<std::string> reason,
                        std::int64_t now) {
    return cls_.attempt_override(info_,
                                 live_override(sid_, student, status, std::move(reason), now));
  }
  const Record& record(UserId s) { return cls_.session(sid_)->records.at(s); }
  std::size_t audit_size() { return cls_.session(sid_)->audit.size(); }

  ClassAttendance cls_;
  ClassInfo info_;
  SessionId sid_;
};

TEST_F(SyncTest, OfflineCheckInCountsAtClientTimeWithLatenessFromIt) {
  const Outcome on_time = sync_check_in(kAlice, kStart + 4 * kMinute, "a1");
  ASSERT_EQ(on_time.refusal, Refusal::None);
  EXPECT_EQ(on_time.change, Change::Applied);
  ASSERT_EQ(on_time.records.size(), 1u);
  EXPECT_EQ(on_time.records[0].status, AttendanceStatus::Present);
  EXPECT_EQ(on_time.records[0].check_in_time_ms, kStart + 4 * kMinute);
  EXPECT_EQ(on_time.records[0].timestamp_ms, kNow);  // committed now
  ASSERT_EQ(on_time.events.size(), 1u);
  EXPECT_EQ(on_time.events[0].kind, Event::Kind::CheckedIn);
  // The log gets the resolved check-in, op_id included.
  EXPECT_EQ(on_time.logged,
            std::optional<Command>(CheckIn{kClass, sid_, kAlice, Method::VerificationCode,
                                           kStart + 4 * kMinute, kNow, "a1"}));
  const Outcome late = sync_check_in(kBob, kStart + 17 * kMinute + 5, "b1");
  ASSERT_EQ(late.records.size(), 1u);
  EXPECT_EQ(late.records[0].status, AttendanceStatus::Late);
  EXPECT_EQ(late.records[0].late_minutes, 17u);
  // The audit says who, from what, to what, how.
  const AuditEntry& a = cls_.session(sid_)->audit.back();
  EXPECT_EQ(a.actor, kBob);
  EXPECT_EQ(a.to, AttendanceStatus::Late);
  EXPECT_EQ(a.method, Method::VerificationCode);
  EXPECT_EQ(a.at_ms, kNow);
}

TEST_F(SyncTest, SameOpIdIsADuplicateForeverAndChangesNothing) {
  ASSERT_EQ(sync_check_in(kAlice, kStart + kMinute, "x").change, Change::Applied);
  const std::size_t audit = audit_size();
  const Outcome again = sync_check_in(kAlice, kStart + 2 * kMinute, "x");
  EXPECT_EQ(again.refusal, Refusal::None);
  EXPECT_EQ(again.change, Change::Duplicate);
  EXPECT_TRUE(again.events.empty());
  EXPECT_FALSE(again.logged.has_value());
  ASSERT_EQ(again.records.size(), 1u);
  EXPECT_EQ(again.records[0].check_in_time_ms, kStart + kMinute);
  EXPECT_EQ(audit_size(), audit);
  // Even a retry that would now be refused is a duplicate: it was accepted once.
  EXPECT_EQ(cls_.attempt_check_in(info_, offline_check_in(sid_, kAlice, kLatest + 1, "x", kNow,
                                                          kLatest, CodeProof{"000000"}))
                .change,
            Change::Duplicate);
  // The op_id belongs to its sender: another student's "x" is a different op.
  EXPECT_EQ(sync_check_in(kBob, kStart + kMinute, "x").change, Change::Applied);
  // A duplicate answers with the record as it is now.
  ASSERT_TRUE(rest_override(kAlice, AttendanceStatus::Excused, "dentist", kNow).applied());
  const Outcome later = sync_check_in(kAlice, kStart + kMinute, "x");
  EXPECT_EQ(later.change, Change::Duplicate);
  ASSERT_EQ(later.records.size(), 1u);
  EXPECT_EQ(later.records[0].status, AttendanceStatus::Excused);
  // Overrides too: the teacher's op_id, retried, is a duplicate.
  ASSERT_EQ(sync_override(kCarol, AttendanceStatus::Absent, kStart + kMinute, "x").change,
            Change::Applied);
  const std::size_t audit2 = audit_size();
  const Outcome dup = sync_override(kCarol, AttendanceStatus::Present, kStart + 2 * kMinute, "x");
  EXPECT_EQ(dup.change, Change::Duplicate);
  EXPECT_EQ(dup.records.at(0).status, AttendanceStatus::Absent);
  EXPECT_EQ(audit_size(), audit2);
}

TEST_F(SyncTest, EarliestCheckInCountsWhicheverArrivesFirst) {
  ASSERT_EQ(sync_check_in(kAlice, kStart + 20 * kMinute, "late").records.at(0).status,
            AttendanceStatus::Late);
  const Outcome earlier = sync_check_in(kAlice, kStart + kMinute, "early", Method::QrCode);
  EXPECT_EQ(earlier.change, Change::Applied);
  ASSERT_EQ(earlier.records.size(), 1u);
  EXPECT_EQ(earlier.records[0].status, AttendanceStatus::Present);
  EXPECT_EQ(earlier.records[0].method, Method::QrCode);
  EXPECT_FALSE(earlier.created);
  ASSERT_EQ(earlier.events.size(), 1u);
  EXPECT_EQ(earlier.events[0].kind, Event::Kind::RecordChanged);  // an update, not a new check-in
  const Outcome later = sync_check_in(kAlice, kStart + 2 * kMinute, "later");
  EXPECT_EQ(later.refusal, Refusal::None);
  EXPECT_EQ(later.change, Change::Unchanged);
  EXPECT_TRUE(later.events.empty());
  EXPECT_FALSE(later.logged.has_value());
  EXPECT_EQ(later.records.at(0).check_in_time_ms, kStart + kMinute);
  // At the same time the smaller method wins (QR before verification code).
  EXPECT_EQ(sync_check_in(kAlice, kStart + kMinute, "same").change, Change::Unchanged);
  EXPECT_EQ(record(kAlice).method, Method::QrCode);
  ASSERT_EQ(sync_check_in(kBob, kStart + kMinute, "b-code").change, Change::Applied);
  ASSERT_EQ(sync_check_in(kBob, kStart + kMinute, "b-qr", Method::QrCode).change, Change::Applied);
  EXPECT_EQ(record(kBob).method, Method::QrCode);
}

TEST_F(SyncTest, OverrideBeatsAnyCheckInInEitherOrder) {
  ASSERT_EQ(sync_override(kAlice, AttendanceStatus::Late, kStart + 30 * kMinute, "o").change,
            Change::Applied);
  EXPECT_EQ(record(kAlice).late_minutes, 0u);  // no check-in time yet
  const Outcome ci = sync_check_in(kAlice, kStart + 12 * kMinute, "c");
  // The check-in time goes under the override; the status stays the teacher's.
  EXPECT_EQ(ci.change, Change::Applied);
  ASSERT_EQ(ci.records.size(), 1u);
  EXPECT_EQ(ci.records[0].status, AttendanceStatus::Late);
  EXPECT_TRUE(ci.records[0].is_manual_override);
  EXPECT_EQ(ci.records[0].method, Method::TeacherOverride);
  EXPECT_EQ(ci.records[0].check_in_time_ms, kStart + 12 * kMinute);
  EXPECT_EQ(ci.records[0].late_minutes, 12u);
  // A later check-in changes nothing.
  EXPECT_EQ(sync_check_in(kAlice, kStart + 13 * kMinute, "c2").change, Change::Unchanged);
  // A REST override also beats a synced check-in that arrives after it.
  ASSERT_TRUE(rest_override(kBob, AttendanceStatus::Absent, "not here", kNow).applied());
  const Outcome bob = sync_check_in(kBob, kStart + kMinute, "b");
  ASSERT_EQ(bob.records.size(), 1u);
  EXPECT_EQ(bob.records[0].status, AttendanceStatus::Absent);
  EXPECT_TRUE(bob.records[0].is_manual_override);
  EXPECT_EQ(bob.records[0].override_reason, "not here");
  // ... and the other order gives the same: check-in first, then the override.
  ASSERT_EQ(sync_check_in(kCarol, kStart + kMinute, "c").change, Change::Applied);
  ASSERT_TRUE(rest_override(kCarol, AttendanceStatus::Absent, "not here", kNow).applied());
  EXPECT_EQ(visible_status(record(kCarol)), visible_status(record(kBob)));
  EXPECT_EQ(record(kCarol).check_in_time_ms, record(kBob).check_in_time_ms);
}

TEST_F(SyncTest, LaterOverrideWinsTiesGoToTheLargerOpId) {
  const auto apply = [&](AttendanceStatus st, std::int64_t at, const char* op) {
    return sync_override(kAlice, st, at, op);
  };
  EXPECT_EQ(apply(AttendanceStatus::Excused, kStart + 10 * kMinute, "m").change, Change::Applied);
  const Outcome older = apply(AttendanceStatus::Absent, kStart + 9 * kMinute, "z");
  EXPECT_EQ(older.change, Change::Unchanged);
  EXPECT_EQ(older.records.at(0).status, AttendanceStatus::Excused);  // answered with the winner
  EXPECT_EQ(apply(AttendanceStatus::Absent, kStart + 10 * kMinute, "a").change, Change::Unchanged);
  const Outcome tie = apply(AttendanceStatus::Present, kStart + 10 * kMinute, "n");
  EXPECT_EQ(tie.change, Change::Applied);
  EXPECT_EQ(tie.records.at(0).status, AttendanceStatus::Present);
  // Another teacher's op with the very same (time, op_id) is not later: it loses.
  OverrideAttempt same = offline_override(sid_, kAlice, AttendanceStatus::Absent, "other",
                                          kStart + 10 * kMinute, "n", kNow, kLatest);
  same.command.actor = UserId{3};
  const Outcome not_later = cls_.attempt_override(info_, same);
  EXPECT_EQ(not_later.change, Change::Unchanged);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Present);
  // Losers are not remembered as applied: "a" may apply later if it wins then.
  EXPECT_EQ(cls_.applied_op(kTeacher, "a"), nullptr);
  ASSERT_NE(cls_.applied_op(kTeacher, "n"), nullptr);
  // A REST override counts at the server's time with op_id "".
  ASSERT_TRUE(
      rest_override(kAlice, AttendanceStatus::Excused, "rest", kStart + 50 * kMinute).applied());
  EXPECT_EQ(apply(AttendanceStatus::Absent, kStart + 49 * kMinute, "zzz").change,
            Change::Unchanged);
  EXPECT_EQ(apply(AttendanceStatus::Absent, kStart + 50 * kMinute, "a").change, Change::Applied);
}

TEST_F(SyncTest, ARestOverrideLosesToASyncedOverrideMadeLaterInEitherOrder) {
  // A teacher's phone, its clock a minute ahead of the server's (within the skew),
  // syncs an override; the dashboard overrides the same student by REST.
  const std::int64_t ahead = kNow + kMinute;
  // Alice: the synced override arrives first; the REST one then changes nothing.
  ASSERT_EQ(sync_override(kAlice, AttendanceStatus::Absent, ahead, "phone-a").change,
            Change::Applied);
  const std::size_t audit = audit_size();
  const Outcome rest = rest_override(kAlice, AttendanceStatus::Excused, "desk", kNow);
  EXPECT_EQ(rest.refusal, Refusal::None);
  EXPECT_EQ(rest.change, Change::Unchanged);
  EXPECT_TRUE(rest.events.empty());
  EXPECT_FALSE(rest.logged.has_value());
  EXPECT_EQ(rest.records.at(0).status, AttendanceStatus::Absent);
  EXPECT_EQ(record(kAlice).override_op, "phone-a");
  EXPECT_EQ(audit_size(), audit);
  // Bob: REST first, then the synced override wins.
  EXPECT_EQ(rest_override(kBob, AttendanceStatus::Excused, "desk", kNow).change, Change::Applied);
  ASSERT_EQ(sync_override(kBob, AttendanceStatus::Absent, ahead, "phone-b").change,
            Change::Applied);
  EXPECT_EQ(visible_status(record(kAlice)), visible_status(record(kBob)));
  // Bulk is a decision at the server's time too: it leaves Alice and Bob to the phone
  // and writes Carol; it logs (and answers) only what it wrote.
  const Outcome bulk =
      cls_.apply(info_, bulk_cmd(sid_,
                                 {{kAlice, AttendanceStatus::Present, std::nullopt},
                                  {kCarol, AttendanceStatus::Present, std::nullopt},
                                  {kBob, AttendanceStatus::Present, std::nullopt}},
                                 std::nullopt, kNow));
  ASSERT_EQ(bulk.refusal, Refusal::None);
  ASSERT_TRUE(bulk.logged.has_value());
  const Bulk& logged = std::get<Bulk>(*bulk.logged);
  ASSERT_EQ(logged.items.size(), 1u);
  EXPECT_EQ(logged.items[0].student, kCarol);
  ASSERT_EQ(bulk.records.size(), 1u);
  EXPECT_EQ(bulk.records[0].student, kCarol);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Absent);
  EXPECT_EQ(record(kBob).status, AttendanceStatus::Absent);
  // Once the server's clock passes the phone's, a REST override is the later one again.
  EXPECT_EQ(rest_override(kAlice, AttendanceStatus::Excused, "desk", ahead + 1).change,
            Change::Applied);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Excused);
  // Two decisions at the server's time: the later arrival wins, also at the same ms.
  EXPECT_EQ(rest_override(kAlice, AttendanceStatus::Late, "desk", ahead + 1).change,
            Change::Applied);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Late);
  // A live decision loses to an offline one made at the very same time.
  ASSERT_EQ(sync_override(kCarol, AttendanceStatus::Excused, kNow + 2 * kMinute, "phone-c").change,
            Change::Applied);
  EXPECT_EQ(rest_override(kCarol, AttendanceStatus::Absent, "desk", kNow + 2 * kMinute).change,
            Change::Unchanged);
  EXPECT_EQ(record(kCarol).status, AttendanceStatus::Excused);
}

TEST_F(SyncTest, CheckInAfterCloseReplacesTheAutomaticAbsentOnlyInsideTheInterval) {
  const std::int64_t closed = kStart + 45 * kMinute;
  const Outcome close = cls_.apply(info_, close_cmd(sid_, closed));
  ASSERT_TRUE(close.applied());
  ASSERT_EQ(close.events.at(0).marked_absent, 3u);
  const Outcome in = sync_check_in(kAlice, closed - kMinute, "in");
  ASSERT_EQ(in.refusal, Refusal::None);
  EXPECT_EQ(in.change, Change::Applied);
  ASSERT_EQ(in.records.size(), 1u);
  EXPECT_EQ(in.records[0].status, AttendanceStatus::Late);
  EXPECT_EQ(in.records[0].method, Method::VerificationCode);
  EXPECT_TRUE(in.created);
  ASSERT_EQ(in.events.size(), 1u);
  EXPECT_EQ(in.events[0].kind, Event::Kind::CheckedIn);
  const std::size_t audit = audit_size();
  // Old OutsideSession is now SessionClosed (after the close) or BeforeSession.
  EXPECT_EQ(sync_check_in(kBob, closed + 1, "after").refusal, Refusal::SessionClosed);
  EXPECT_EQ(sync_check_in(kBob, kStart - 1, "before").refusal, Refusal::BeforeSession);
  EXPECT_EQ(audit_size(), audit);
  EXPECT_EQ(sync_check_in(kBob, closed, "at close").refusal, Refusal::None);
  EXPECT_EQ(record(kBob).status, AttendanceStatus::Late);
  EXPECT_EQ(record(kCarol).status, AttendanceStatus::Absent);  // untouched
  EXPECT_EQ(count(info_, *cls_.session(sid_)).absent, 1u);
}

TEST_F(SyncTest, RefusalsLeaveNothingBehind) {
  EXPECT_EQ(sync_check_in(kStranger, kStart + kMinute, "s").refusal, Refusal::NotEnrolled);
  EXPECT_EQ(sync_check_in(kAlice, kLatest + 1, "f").refusal, Refusal::InFuture);
  EXPECT_EQ(sync_check_in(kAlice, kLatest, "edge").refusal, Refusal::None);
  EXPECT_EQ(sync_override(kStranger, AttendanceStatus::Absent, kStart, "o").refusal,
            Refusal::StudentNotFound);
  EXPECT_EQ(sync_override(kBob, AttendanceStatus::Unmarked, kStart, "o").refusal,
            Refusal::InvalidStatus);
  EXPECT_EQ(sync_override(kBob, AttendanceStatus::Absent, kLatest + 1, "o").refusal,
            Refusal::InFuture);
  EXPECT_EQ(sync_override(kBob, AttendanceStatus::Absent, kStart - 1, "o").refusal,
            Refusal::BeforeSession);
  EXPECT_EQ(sync_override(kBob, AttendanceStatus::Absent, kStart, "o", "offline",
                          SessionId{sid_.value + 1})
                .refusal,
            Refusal::SessionNotFound);
  EXPECT_EQ(audit_size(), 1u);
  // Refused ops are not remembered: the same op_id may apply later.
  EXPECT_EQ(cls_.applied_ops().size(), 1u);
  EXPECT_EQ(cls_.applied_op(kTeacher, "o"), nullptr);
  EXPECT_EQ(sync_override(kBob, AttendanceStatus::Absent, kStart, "o").change, Change::Applied);
  EXPECT_EQ(sync_check_in(kAlice, kStart, "f").change, Change::Applied);
}

TEST_F(SyncTest, SessionAtFindsTheSessionOpenAtATime) {
  ASSERT_EQ(cls_.apply(info_, close_cmd(sid_, kStart + 40 * kMinute)).refusal, Refusal::None);
  const SessionId second = cls_.apply(info_, open_cmd(kStart + 60 * kMinute, 5, "222222")).session;
  ASSERT_NE(second, sid_);
  EXPECT_EQ(cls_.session_at(kStart - 1), nullptr);
  EXPECT_EQ(cls_.session_at(kStart)->id, sid_);
  EXPECT_EQ(cls_.session_at(kStart + 40 * kMinute)->id, sid_);
  EXPECT_EQ(cls_.session_at(kStart + 50 * kMinute), nullptr);
  EXPECT_EQ(cls_.session_at(kStart + 60 * kMinute)->id, second);
  EXPECT_EQ(cls_.session_at(kStart + 600 * kMinute)->id, second);  // still open
}

TEST_F(SyncTest, BulkLateOverACheckInGivesTheSameRecordInEitherOrder) {
  // An offline check-in on time, and a teacher's bulk "late" at the server's time:
  // whichever arrives first, the record is late with the check-in's late minutes
  // (as an override's is).
  const std::int64_t at = kStart + 3 * kMinute;
  ASSERT_EQ(sync_check_in(kAlice, at, "a").change, Change::Applied);
  ASSERT_TRUE(cls_.apply(info_, bulk_cmd(sid_,
                                         {{kAlice, AttendanceStatus::Late, std::nullopt},
                                          {kBob, AttendanceStatus::Late, std::nullopt}},
                                         std::nullopt, kNow))
                  .applied());
  ASSERT_EQ(sync_check_in(kBob, at, "b").change, Change::Applied);
  auto alice = visible(record(kAlice));
  auto bob = visible(record(kBob));
  std::get<0>(bob) = std::get<0>(alice);  // all but the student id
  EXPECT_EQ(alice, bob);
  EXPECT_EQ(record(kAlice).late_minutes, 3u);
  EXPECT_EQ(record(kAlice).check_in_time_ms, at);
  EXPECT_TRUE(record(kAlice).is_late);
  EXPECT_EQ(record(kAlice).method, Method::Bulk);
}

// --- Convergence property ------------------------------------------------------

struct Op {
  enum class Kind { CheckIn, WrongCode, OfflineOverride, RestOverride, RestBulk } kind;
  UserId who;  // the student checking in, or the student overridden
  AttendanceStatus status = AttendanceStatus::Present;
  Method method = Method::VerificationCode;
  std::int64_t at = 0;
  std::string op_id;
  std::optional<std::string> reason;

  // Live decisions (REST override, bulk) reach the server in the order of its clock.
  bool live() const { return kind == Kind::RestOverride || kind == Kind::RestBulk; }
};

// Applies `ops` in a random order (live ones in time order), with the session closed
// between two of them when `close_at` is set; then replays what was logged into a
// fresh state and checks it ends the same.
std::vector<Visible> final_records(const ClassInfo& info, const std::vector<Op>& ops,
                                   std::mt19937_64& rng, std::optional<std::int64_t> close_at) {
  ClassAttendance cls(info.id);
  std::vector<Command> log;
  const auto logged = [&](const Outcome& out) {
    EXPECT_EQ(out.logged.has_value(), out.applied());
    if (out.logged) {
      EXPECT_TRUE(well_formed(*out.logged));
      log.push_back(*out.logged);
    }
    return out;
  };
  const SessionId sid = logged(cls.apply(info, open_cmd(kStart))).session;
  // Ops arrive in batches; the session may close (at a fixed time) between two of them.
  std::vector<std::size_t> order(ops.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  // Live decisions reach the server in the order of its clock (their `at`): keep the
  // slots the shuffle gave them, but fill those slots in time order.
  std::vector<std::size_t> live_slots, live_ops;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (ops[order[k]].live()) {
      live_slots.push_back(k);
      live_ops.push_back(order[k]);
    }
  }
  std::sort(live_ops.begin(), live_ops.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(ops[a].at, a) < std::pair(ops[b].at, b);
  });
  for (std::size_t j = 0; j < live_slots.size(); ++j) order[live_slots[j]] = live_ops[j];
  const std::size_t close_after =
      close_at ? std::uniform_int_distribution<std::size_t>(0, ops.size())(rng) : ops.size() + 1;
  for (std::size_t k = 0; k <= order.size(); ++k) {
    if (k == close_after) logged(cls.apply(info, close_cmd(sid, *close_at)));
    if (k == order.size()) break;
    const Op& op = ops[order[k]];
    switch (op.kind) {
      case Op::Kind::RestOverride:
        logged(cls.attempt_override(info, live_override(sid, op.who, op.status, op.reason, op.at)));
        continue;
      case Op::Kind::RestBulk:
        logged(
            cls.apply(info, bulk_cmd(sid, {{op.who, op.status, op.reason}}, std::nullopt, op.at)));
        continue;
      default: break;
    }
    // Each offline op may also be retried (a lost answer): a duplicate must change nothing.
    const int tries = std::uniform_int_distribution<int>(1, 2)(rng);
    for (int t = 0; t < tries; ++t) {
      if (op.kind == Op::Kind::OfflineOverride) {
        logged(cls.attempt_override(info, offline_override(sid, op.who, op.status, op.reason, op.at,
                                                           op.op_id, kNow, kLatest)));
      } else {
        const Proof proof = op.kind == Op::Kind::WrongCode ? Proof{CodeProof{"000000"}}
                            : op.method == Method::QrCode  ? Proof{qr()}
                                                           : Proof{CodeProof{kCode}};
        logged(cls.attempt_check_in(
            info, offline_check_in(sid, op.who, op.at, op.op_id, kNow, kLatest, proof)));
      }
    }
  }
  // Replay: the logged commands, applied to a fresh state, apply as they did live.
  ClassAttendance replayed(info.id);
  for (const Command& c : log) {
    const Outcome out = replayed.apply(info, c);
    EXPECT_TRUE(out.applied()) << name_of(c);
    EXPECT_EQ(out.logged, std::optional<Command>(c)) << name_of(c);
  }
  EXPECT_EQ(state_of(replayed), state_of(cls));

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
    std::map<UserId, std::uint32_t> check_ins, overrides;
    const int n = std::uniform_int_distribution<int>(1, 24)(rng);
    for (int i = 0; i < n; ++i) {
      Op op;
      const int kind = std::uniform_int_distribution<int>(0, 11)(rng);
      op.kind = kind < 6    ? Op::Kind::CheckIn
                : kind < 7  ? Op::Kind::WrongCode
                : kind < 9  ? Op::Kind::OfflineOverride
                : kind < 11 ? Op::Kind::RestOverride
                            : Op::Kind::RestBulk;
      op.who = info.students[std::uniform_int_distribution<std::size_t>(
          0, info.students.size() - 1)(rng)];
      // Within the bound on a student's synced check-ins: beyond it, the first to
      // arrive decide (API.md §6 rule 2; sync_bounds_test.cpp).
      if (op.kind == Op::Kind::CheckIn && ++check_ins[op.who] > kSyncChangesMax) {
        op.kind = Op::Kind::WrongCode;
      }
      // Within the bound on synced overrides of one student alike.
      if (op.kind == Op::Kind::OfflineOverride && ++overrides[op.who] > kOverrideSyncChangesMax) {
        op.kind = Op::Kind::RestOverride;
      }
      op.at = kStart + minute(rng) * 5 * kMinute;
      op.op_id = "op-" + std::to_string(std::uniform_int_distribution<int>(0, 999)(rng)) + "-" +
                 std::to_string(i);
      if (op.kind == Op::Kind::CheckIn || op.kind == Op::Kind::WrongCode) {
        op.method = std::uniform_int_distribution<int>(0, 1)(rng) ? Method::QrCode
                                                                  : Method::VerificationCode;
      } else {
        op.status = statuses[std::uniform_int_distribution<int>(0, 3)(rng)];
        op.reason = "r" + std::to_string(i);
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

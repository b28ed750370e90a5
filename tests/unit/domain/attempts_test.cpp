// Requests still judged by the owner: `attempt_check_in` (proof, attempt limit, what
// stands, the session's interval) and `attempt_override`, each rule in its order,
// and REST and sync answering alike.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "rollcall/domain/attendance.hpp"
#include "tests/unit/domain/fixtures.hpp"

namespace rollcall::domain {
namespace {

using namespace fixtures;

constexpr std::int64_t kNow = kStart + 90 * kMinute;
constexpr std::int64_t kLatest = kNow + 2 * kMinute;
const CodeProof kWrong{"654321"};

class AttemptsTest : public ::testing::Test {
 protected:
  AttemptsTest() : cls_(kClass), info_(class_info()) {
    sid_ = cls_.apply(info_, open_cmd(kStart)).session;
  }

  // `a` is refused with `why` and leaves the state as it was.
  Outcome expect_refused(const CheckInAttempt& a, Refusal why) {
    const auto before = state_of(cls_);
    const Outcome out = cls_.attempt_check_in(info_, a);
    EXPECT_EQ(out.refusal, why);
    EXPECT_FALSE(out.applied());
    EXPECT_FALSE(out.logged.has_value());
    EXPECT_TRUE(out.events.empty());
    EXPECT_EQ(state_of(cls_), before);
    return out;
  }
  Outcome expect_refused(const OverrideAttempt& a, Refusal why) {
    const auto before = state_of(cls_);
    const Outcome out = cls_.attempt_override(info_, a);
    EXPECT_EQ(out.refusal, why);
    EXPECT_FALSE(out.logged.has_value());
    EXPECT_TRUE(out.events.empty());
    EXPECT_EQ(state_of(cls_), before);
    return out;
  }
  // `a` is answered Unchanged with the record that stands, and changes nothing.
  Outcome expect_stands(const CheckInAttempt& a) {
    const auto before = state_of(cls_);
    const Record standing = cls_.session(a.session)->record_of(a.student);
    const Outcome out = cls_.attempt_check_in(info_, a);
    EXPECT_EQ(out.refusal, Refusal::None) << name(out.refusal);
    EXPECT_EQ(out.change, Change::Unchanged);
    EXPECT_FALSE(out.wrong_code);
    EXPECT_FALSE(out.logged.has_value());
    EXPECT_TRUE(out.events.empty());
    EXPECT_EQ(out.session, a.session);
    EXPECT_EQ(full(out.records), full(std::vector<Record>{standing}));
    EXPECT_EQ(state_of(cls_), before);
    return out;
  }
  CheckInAttempt live(UserId student, Proof proof = CodeProof{kCode}, std::int64_t now = kNow) {
    return live_check_in(sid_, student, now, std::move(proof));
  }
  CheckInAttempt offline(UserId student, std::int64_t at, std::string op,
                         Proof proof = CodeProof{kCode}) {
    return offline_check_in(sid_, student, at, std::move(op), kNow, kLatest, std::move(proof));
  }
  void close(std::int64_t at) { ASSERT_TRUE(cls_.apply(info_, close_cmd(sid_, at)).applied()); }

  ClassAttendance cls_;
  ClassInfo info_;
  SessionId sid_;
};

// --- attempt_check_in: each rule, and what comes before it ----------------------

TEST_F(AttemptsTest, AnAppliedOpIsADuplicateBeforeAnyOtherRule) {
  ASSERT_TRUE(cls_.attempt_check_in(info_, offline(kAlice, kStart + kMinute, "a1")).applied());
  // In the future, with a wrong code, an exhausted limit, another session: still the
  // op that was applied.
  CheckInAttempt retry =
      offline_check_in(SessionId{}, kAlice, kLatest + kMinute, "a1", kNow, kLatest, kWrong);
  retry.attempts_exhausted = true;
  const auto before = state_of(cls_);
  const Outcome out = cls_.attempt_check_in(info_, retry);
  EXPECT_EQ(out.refusal, Refusal::None);
  EXPECT_EQ(out.change, Change::Duplicate);
  EXPECT_EQ(out.session, sid_);
  EXPECT_EQ(out.records.at(0).check_in_time_ms, kStart + kMinute);
  EXPECT_FALSE(out.wrong_code);
  EXPECT_FALSE(out.logged.has_value());
  EXPECT_EQ(state_of(cls_), before);
}

TEST_F(AttemptsTest, InFutureComesAfterTheProof) {
  // The session, the enrollment and the proof are judged first...
  expect_refused(offline_check_in(SessionId{}, kStranger, kLatest + 1, "f", kNow, kLatest, kWrong),
                 Refusal::NoOpenSession);
  const Outcome wrong =
      expect_refused(offline(kAlice, kLatest + 1, "f", CodeProof{"000000"}), Refusal::InvalidCode);
  EXPECT_TRUE(wrong.wrong_code);
  // ...then a time in the future is refused.
  EXPECT_FALSE(expect_refused(offline(kAlice, kLatest + 1, "f"), Refusal::InFuture).wrong_code);
  // At the limit itself it applies.
  EXPECT_TRUE(cls_.attempt_check_in(info_, offline(kAlice, kLatest, "f")).applied());
}

TEST_F(AttemptsTest, NoOpenSessionComesBeforeEnrollment) {
  expect_refused(live_check_in(SessionId{}, kStranger, kNow), Refusal::NoOpenSession);
  expect_refused(live_check_in(SessionId{sid_.value + 1}, kAlice, kNow), Refusal::NoOpenSession);
  expect_refused(live_check_in(make_session_id(ClassId{5}, 1), kAlice, kNow),
                 Refusal::NoOpenSession);
}

TEST_F(AttemptsTest, NotEnrolledComesBeforeTheAttemptLimitAndTheCode) {
  CheckInAttempt a = live(kStranger, kWrong);
  a.attempts_exhausted = true;
  const Outcome out = expect_refused(a, Refusal::NotEnrolled);
  EXPECT_FALSE(out.wrong_code);
}

TEST_F(AttemptsTest, TooManyAttemptsRefusesEveryCodeButNoQrToken) {
  CheckInAttempt right = live(kAlice);
  right.attempts_exhausted = true;
  EXPECT_FALSE(expect_refused(right, Refusal::TooManyAttempts).wrong_code);
  CheckInAttempt wrong = live(kAlice, kWrong);
  wrong.attempts_exhausted = true;
  EXPECT_FALSE(expect_refused(wrong, Refusal::TooManyAttempts).wrong_code);
  // Before the rest: even where a record would stand, or the time is outside.
  ASSERT_TRUE(cls_.attempt_check_in(info_, live(kBob)).applied());
  CheckInAttempt bob = live(kBob, kWrong);
  bob.attempts_exhausted = true;
  expect_refused(bob, Refusal::TooManyAttempts);
  CheckInAttempt early = offline(kCarol, kStart - 1, "e");
  early.attempts_exhausted = true;
  expect_refused(early, Refusal::TooManyAttempts);
  // The limit counts wrong codes: a QR token is not held back by it.
  CheckInAttempt by_qr = live(kAlice, qr());
  by_qr.attempts_exhausted = true;
  const Outcome out = cls_.attempt_check_in(info_, by_qr);
  EXPECT_TRUE(out.applied());
  EXPECT_EQ(out.records.at(0).method, Method::QrCode);
}

TEST_F(AttemptsTest, AWrongCodeWithNothingStandingIsInvalidAndCounts) {
  const Outcome out = expect_refused(live(kAlice, kWrong), Refusal::InvalidCode);
  EXPECT_TRUE(out.wrong_code);
  // The code must match exactly.
  for (const char* code : {"12345", "1234567", "", "123457", "123456 "}) {
    EXPECT_TRUE(expect_refused(live(kAlice, CodeProof{code}), Refusal::InvalidCode).wrong_code)
        << code;
  }
}

TEST_F(AttemptsTest, AStaleQrTokenIsInvalidButIsNoWrongCode) {
  const Outcome out = expect_refused(live(kAlice, QrProof{1000, 1002}), Refusal::InvalidCode);
  EXPECT_FALSE(out.wrong_code);
}

TEST_F(AttemptsTest, AQrTokenIsAcceptedForItsOwnWindowAndTheNextOnly) {
  EXPECT_TRUE(cls_.attempt_check_in(info_, live(kAlice, QrProof{1000, 1000})).applied());
  EXPECT_TRUE(cls_.attempt_check_in(info_, live(kBob, QrProof{1000, 1001})).applied());
  expect_refused(live(kCarol, QrProof{1000, 1002}), Refusal::InvalidCode);
  expect_refused(live(kCarol, QrProof{1000, 999}), Refusal::InvalidCode);  // from a later window
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  expect_refused(live(kCarol, QrProof{kMax, kMin}), Refusal::InvalidCode);  // no wrap-around
  EXPECT_TRUE(cls_.attempt_check_in(info_, live(kCarol, QrProof{kMax, kMax})).applied());
}

TEST_F(AttemptsTest, AnOfflineQrTokenIsJudgedAtItsClientTime) {
  // The window current at client_time is what counts, not the server's.
  const Outcome ok =
      cls_.attempt_check_in(info_, offline(kAlice, kStart + kMinute, "q1", QrProof{7, 8}));
  EXPECT_TRUE(ok.applied());
  EXPECT_EQ(ok.records.at(0).check_in_time_ms, kStart + kMinute);
  expect_refused(offline(kBob, kStart + kMinute, "q2", QrProof{7, 9}), Refusal::InvalidCode);
  EXPECT_EQ(cls_.applied_op(kBob, "q2"), nullptr);
}

TEST_F(AttemptsTest, AWrongProofLeavesAStandingRecordAlone) {
  // The student's own check-in stands.
  ASSERT_TRUE(
      cls_.attempt_check_in(info_, live(kAlice, CodeProof{kCode}, kStart + kMinute)).applied());
  expect_stands(live(kAlice, kWrong));
  expect_stands(live(kAlice, QrProof{1000, 1005}));
  expect_stands(offline(kAlice, kStart + 2 * kMinute, "w1", kWrong));
  // A teacher's decision stands, with or without a check-in under it.
  ASSERT_TRUE(cls_.attempt_override(info_, live_override(sid_, kBob, AttendanceStatus::Excused,
                                                         "doctor", kStart + kMinute))
                  .applied());
  expect_stands(live(kBob, kWrong));
  expect_stands(offline(kBob, kStart + 2 * kMinute, "w2", QrProof{1, 9}));
  // So does a bulk call's about the student by name.
  ASSERT_TRUE(cls_.apply(info_, bulk_cmd(sid_, {BulkItem{kCarol, AttendanceStatus::Absent, {}}},
                                         std::nullopt, kStart + kMinute))
                  .applied());
  EXPECT_TRUE(cls_.session(sid_)->record_of(kCarol).is_manual_override);
  expect_stands(live(kCarol, kWrong));
  // Nothing was remembered as applied.
  EXPECT_EQ(cls_.applied_op(kAlice, "w1"), nullptr);
  EXPECT_EQ(cls_.applied_op(kBob, "w2"), nullptr);
}

TEST_F(AttemptsTest, SessionCloseAbsenceDoesNotStandAgainstAWrongCode) {
  close(kStart + 45 * kMinute);
  ASSERT_EQ(cls_.session(sid_)->record_of(kAlice).status, AttendanceStatus::Absent);
  EXPECT_TRUE(expect_refused(offline(kAlice, kStart + kMinute, "w", kWrong), Refusal::InvalidCode)
                  .wrong_code);
  expect_refused(offline(kAlice, kStart + kMinute, "w", QrProof{1, 3}), Refusal::InvalidCode);
}

TEST_F(AttemptsTest, InvalidCodeComesBeforeTheSessionInterval) {
  close(kStart + 45 * kMinute);
  EXPECT_TRUE(
      expect_refused(offline(kAlice, kStart - 1, "b", kWrong), Refusal::InvalidCode).wrong_code);
  EXPECT_TRUE(
      expect_refused(offline(kAlice, kStart + 46 * kMinute, "c", kWrong), Refusal::InvalidCode)
          .wrong_code);
}

TEST_F(AttemptsTest, TheSessionIntervalBoundsARightProof) {
  EXPECT_FALSE(expect_refused(offline(kAlice, kStart - 1, "b"), Refusal::BeforeSession).wrong_code);
  close(kStart + 45 * kMinute);
  expect_refused(offline(kAlice, kStart + 45 * kMinute + 1, "c"), Refusal::SessionClosed);
  expect_refused(live(kAlice, qr(), kStart + 46 * kMinute), Refusal::SessionClosed);
  // Both ends belong to the session.
  EXPECT_TRUE(cls_.attempt_check_in(info_, offline(kAlice, kStart, "s")).applied());
  EXPECT_TRUE(cls_.attempt_check_in(info_, offline(kBob, kStart + 45 * kMinute, "e")).applied());
}

TEST_F(AttemptsTest, ARightProofOutsideTheSessionAnswersWithAStandingRecord) {
  ASSERT_TRUE(
      cls_.attempt_check_in(info_, live(kAlice, CodeProof{kCode}, kStart + kMinute)).applied());
  ASSERT_TRUE(cls_.attempt_override(info_, live_override(sid_, kBob, AttendanceStatus::Excused,
                                                         "doctor", kStart + kMinute))
                  .applied());
  expect_stands(offline(kAlice, kStart - 1, "b1"));
  expect_stands(offline(kBob, kStart - 1, "b2", qr()));
  close(kStart + 45 * kMinute);
  expect_stands(live(kAlice, CodeProof{kCode}, kStart + 50 * kMinute));
  expect_stands(offline(kBob, kStart + 46 * kMinute, "b3"));
  // Without one, the interval refuses.
  expect_refused(live(kCarol, CodeProof{kCode}, kStart + 50 * kMinute), Refusal::SessionClosed);
}

TEST_F(AttemptsTest, AnAcceptedAttemptAppliesTheCheckInItDescribes) {
  const Outcome out =
      cls_.attempt_check_in(info_, offline(kAlice, kStart + 6 * kMinute, "ok", QrProof{3, 4}));
  ASSERT_TRUE(out.applied());
  EXPECT_EQ(out.logged, std::optional<Command>(CheckIn{kClass, sid_, kAlice, Method::QrCode,
                                                       kStart + 6 * kMinute, kNow, "ok"}));
  EXPECT_EQ(out.records.at(0).status, AttendanceStatus::Late);
  EXPECT_EQ(out.records.at(0).timestamp_ms, kNow);
  EXPECT_FALSE(out.wrong_code);
  ASSERT_NE(cls_.applied_op(kAlice, "ok"), nullptr);
  EXPECT_EQ(cls_.applied_op(kAlice, "ok")->session, sid_);
}

// The case: REST and sync give the same answer to a wrong code.
TEST_F(AttemptsTest, RestAndSyncAgreeOnAWrongCodeAfterAValidCheckIn) {
  const Outcome valid =
      cls_.attempt_check_in(info_, live(kAlice, CodeProof{kCode}, kStart + 2 * kMinute));
  ASSERT_TRUE(valid.applied());
  const Record checked_in = valid.records.at(0);
  const std::size_t audit = cls_.session(sid_)->audit.size();

  // CHANGED: an offline attempt with a wrong code used to be rejected while the same
  // attempt by REST answered the record; now both answer the standing check-in.
  const Outcome by_rest = cls_.attempt_check_in(info_, live(kAlice, kWrong, kNow));
  const Outcome by_sync =
      cls_.attempt_check_in(info_, offline(kAlice, kStart + 5 * kMinute, "op-w", kWrong));
  for (const Outcome* out : {&by_rest, &by_sync}) {
    EXPECT_EQ(out->refusal, Refusal::None) << name(out->refusal);
    EXPECT_EQ(out->change, Change::Unchanged);
    EXPECT_FALSE(out->wrong_code);
    EXPECT_FALSE(out->logged.has_value());
    EXPECT_TRUE(out->events.empty());
    EXPECT_EQ(full(out->records), full(std::vector<Record>{checked_in}));
  }
  EXPECT_EQ(cls_.session(sid_)->audit.size(), audit);
  EXPECT_EQ(cls_.applied_op(kAlice, "op-w"), nullptr);

  // With no check-in, both are an invalid code that counts against the limit.
  const Outcome bob_rest = cls_.attempt_check_in(info_, live(kBob, kWrong, kNow));
  const Outcome bob_sync =
      cls_.attempt_check_in(info_, offline(kBob, kStart + 5 * kMinute, "op-b", kWrong));
  for (const Outcome* out : {&bob_rest, &bob_sync}) {
    EXPECT_EQ(out->refusal, Refusal::InvalidCode) << name(out->refusal);
    EXPECT_TRUE(out->wrong_code);
    EXPECT_TRUE(out->records.empty());
    EXPECT_FALSE(out->logged.has_value());
  }
  EXPECT_EQ(cls_.session(sid_)->audit.size(), audit);
  EXPECT_EQ(cls_.session(sid_)->records.count(kBob), 0u);
}

// --- attempt_override ------------------------------------------------------------

TEST_F(AttemptsTest, OverrideRulesApplyInOrder) {
  const auto attempt = [&](SessionId sid, UserId student, AttendanceStatus status, std::int64_t at,
                           std::string op, std::int64_t latest = kLatest) {
    return offline_override(sid, student, status, std::nullopt, at, std::move(op), kNow, latest);
  };
  ASSERT_TRUE(cls_.attempt_override(info_, attempt(sid_, kAlice, AttendanceStatus::Excused,
                                                   kStart + kMinute, "t1"))
                  .applied());
  // 1. An applied op is a duplicate, whatever else is wrong with the retry.
  const Outcome dup = cls_.attempt_override(
      info_, attempt(SessionId{}, kStranger, AttendanceStatus::Unmarked, kLatest + 1, "t1"));
  EXPECT_EQ(dup.refusal, Refusal::None);
  EXPECT_EQ(dup.change, Change::Duplicate);
  EXPECT_EQ(dup.records.at(0).status, AttendanceStatus::Excused);
  // 2. The session, then the student, then the status, then the time.
  expect_refused(
      attempt(SessionId{sid_.value + 1}, kStranger, AttendanceStatus::Unmarked, kLatest + 1, "t2"),
      Refusal::SessionNotFound);
  expect_refused(attempt(sid_, kStranger, AttendanceStatus::Unmarked, kLatest + 1, "t2"),
                 Refusal::StudentNotFound);
  expect_refused(attempt(sid_, kBob, AttendanceStatus::Unmarked, kLatest + 1, "t2"),
                 Refusal::InvalidStatus);
  expect_refused(attempt(sid_, kBob, AttendanceStatus::Absent, kStart - 1, "t2", kStart - 2),
                 Refusal::InFuture);
  expect_refused(attempt(sid_, kBob, AttendanceStatus::Absent, kStart - 1, "t2"),
                 Refusal::BeforeSession);
  // 3. Then it applies; after the close too (a correction).
  close(kStart + 45 * kMinute);
  const Outcome out = cls_.attempt_override(
      info_, attempt(sid_, kBob, AttendanceStatus::Excused, kStart + 50 * kMinute, "t2"));
  EXPECT_TRUE(out.applied());
  EXPECT_EQ(out.records.at(0).override_op, "t2");
  EXPECT_EQ(out.records.at(0).override_at_ms, kStart + 50 * kMinute);
}

}  // namespace
}  // namespace rollcall::domain

// A late arrival after "mark remaining absent" (API.md §4, issue 23 problem 3): a
// check-in while the session is open replaces an absent that a bulk "mark
// remaining" made, with `late`, an audit entry and a live event; an absent set for
// the student by name, or by the close, is left as it was.
#include <gtest/gtest.h>

#include "rollcall/domain/attendance.hpp"
#include "tests/unit/domain/fixtures.hpp"

namespace rollcall::domain {
namespace {

using namespace fixtures;

constexpr std::int64_t kRollMs = kStart + 2 * kMinute;  // roll taken 2 minutes in

class LateArrivalTest : public ::testing::Test {
 protected:
  LateArrivalTest() : cls_(kClass), info_(class_info()) {
    sid_ = cls_.apply(info_, open_cmd(kStart, 10)).session;  // late after 10 minutes
    // Bob is marked absent by name; Alice and Carol are "the remaining".
    const Outcome marked =
        cls_.apply(info_, bulk_cmd(sid_, {BulkItem{kBob, AttendanceStatus::Absent, {}}},
                                   AttendanceStatus::Absent, kRollMs));
    EXPECT_TRUE(marked.applied());
  }
  Outcome live(UserId student, std::int64_t at, Proof proof = CodeProof{kCode}) {
    return cls_.attempt_check_in(info_, live_check_in(sid_, student, at, std::move(proof)));
  }
  const Record& record(UserId student) const { return cls_.session(sid_)->records.at(student); }

  ClassAttendance cls_;
  ClassInfo info_;
  SessionId sid_;
};

TEST_F(LateArrivalTest, ACheckInReplacesTheRemainingAbsentWithLate) {
  ASSERT_TRUE(record(kAlice).remaining_absent);
  const std::size_t audit_before = cls_.session(sid_)->audit.size();
  const Outcome out = live(kAlice, kStart + 3 * kMinute);  // within late_after, but after the roll
  ASSERT_TRUE(out.applied()) << name(out.refusal);
  EXPECT_TRUE(out.created);
  const Record& r = record(kAlice);
  EXPECT_EQ(r.status, AttendanceStatus::Late);
  EXPECT_TRUE(r.is_late);
  EXPECT_EQ(r.late_minutes, 3u);
  EXPECT_EQ(r.method, Method::VerificationCode);
  EXPECT_FALSE(r.is_manual_override);
  EXPECT_FALSE(r.remaining_absent);
  EXPECT_EQ(r.check_in_time_ms, kStart + 3 * kMinute);
  // An audit entry by the student, from absent to late.
  const Session& s = *cls_.session(sid_);
  ASSERT_EQ(s.audit.size(), audit_before + 1);
  EXPECT_EQ(s.audit.back().actor, kAlice);
  EXPECT_EQ(s.audit.back().from, AttendanceStatus::Absent);
  EXPECT_EQ(s.audit.back().to, AttendanceStatus::Late);
  // The teacher sees it live: a student_joined with the new record.
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, Event::Kind::CheckedIn);
  EXPECT_EQ(out.events[0].records.at(0).status, AttendanceStatus::Late);
  EXPECT_EQ(count(info_, s).late, 1u);
  // A second check-in changes nothing.
  EXPECT_EQ(live(kAlice, kStart + 4 * kMinute).change, Change::Unchanged);
}

TEST_F(LateArrivalTest, AnAbsentByNameStandsAndAWrongCodeIsWrong) {
  EXPECT_FALSE(record(kBob).remaining_absent);
  const Outcome bob = live(kBob, kStart + 3 * kMinute);
  EXPECT_EQ(bob.change, Change::Unchanged);
  EXPECT_EQ(record(kBob).status, AttendanceStatus::Absent);
  // A wrong code does not hide behind the remaining absent: it is wrong, and counts.
  const Outcome wrong = live(kCarol, kStart + 3 * kMinute, CodeProof{"000000"});
  EXPECT_EQ(wrong.refusal, Refusal::InvalidCode);
  EXPECT_TRUE(wrong.wrong_code);
  EXPECT_EQ(record(kCarol).status, AttendanceStatus::Absent);
}

TEST_F(LateArrivalTest, AfterTheCloseTheAbsentStaysAndTheCheckInIsTooLate) {
  ASSERT_TRUE(cls_.apply(info_, close_cmd(sid_, kStart + 45 * kMinute)).applied());
  EXPECT_EQ(live(kAlice, kStart + 46 * kMinute).refusal, Refusal::SessionClosed);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Absent);
}

TEST_F(LateArrivalTest, AnOfflineCheckInMadeBeforeTheRollCountsAsMadeThen) {
  const std::int64_t now = kStart + 20 * kMinute;
  const Outcome out = cls_.attempt_check_in(
      info_, offline_check_in(sid_, kAlice, kStart + kMinute, "p1", now, now));
  ASSERT_TRUE(out.applied());
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Present);  // there before the roll
  EXPECT_TRUE(record(kAlice).offline);
}

TEST_F(LateArrivalTest, ATeacherDecisionAfterwardsClearsTheMark) {
  ASSERT_TRUE(cls_.attempt_override(info_, live_override(sid_, kAlice, AttendanceStatus::Absent,
                                                         "called home", kStart + 5 * kMinute))
                  .applied());
  EXPECT_FALSE(record(kAlice).remaining_absent);
  EXPECT_EQ(live(kAlice, kStart + 6 * kMinute).change, Change::Unchanged);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Absent);
}

TEST_F(LateArrivalTest, ReplayGivesTheSameRecords) {
  ASSERT_TRUE(live(kAlice, kStart + 3 * kMinute).applied());
  // Replaying what was logged, in order, gives the same state.
  ClassAttendance again(kClass);
  ASSERT_TRUE(again.apply(info_, open_cmd(kStart, 10)).applied());
  const Outcome bulk =
      again.apply(info_, bulk_cmd(sid_, {BulkItem{kBob, AttendanceStatus::Absent, {}}},
                                  AttendanceStatus::Absent, kRollMs));
  ASSERT_TRUE(bulk.logged.has_value());
  ClassAttendance replayed(kClass);
  ASSERT_TRUE(replayed.apply(info_, open_cmd(kStart, 10)).applied());
  ASSERT_TRUE(replayed.apply(info_, *bulk.logged).applied());
  const CheckIn logged{
      kClass, sid_, kAlice, Method::VerificationCode, kStart + 3 * kMinute, kStart + 3 * kMinute,
      ""};
  ASSERT_TRUE(replayed.apply(info_, logged).applied());
  EXPECT_EQ(state_of(replayed), state_of(cls_));
}

}  // namespace
}  // namespace rollcall::domain

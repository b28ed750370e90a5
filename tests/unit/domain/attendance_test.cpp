#include "rollcall/domain/attendance.hpp"

#include <gtest/gtest.h>

namespace rollcall::domain {
namespace {

constexpr std::int64_t kStart = 1'795'334'400'000;  // 2026-11-22T08:00:00Z
constexpr std::int64_t kMinute = 60'000;
const UserId kTeacher{2};
const UserId kAlice{10}, kBob{11}, kCarol{12}, kStranger{99};

class AttendanceTest : public ::testing::Test {
 protected:
  AttendanceTest() : cls_(ClassId{4}) {
    info_.id = ClassId{4};
    info_.name = "Math 101";
    info_.teachers = {kTeacher};
    info_.students = {kAlice, kBob, kCarol};
  }
  SessionId open(std::uint32_t late_after = 5, std::int64_t at = kStart) {
    OpenResult r = cls_.open({kTeacher, late_after, "123456", at});
    EXPECT_EQ(r.error, Refusal::None);
    return r.session->id;
  }
  CheckInResult check_in(SessionId sid, UserId student, std::int64_t at,
                         Method m = Method::VerificationCode) {
    return cls_.check_in(info_, sid, {student, m, at, at});
  }

  ClassAttendance cls_;
  ClassInfo info_;
};

TEST_F(AttendanceTest, OneOpenSessionPerClass) {
  const SessionId sid = open();
  EXPECT_EQ(class_of(sid), ClassId{4});
  const OpenResult again = cls_.open({kTeacher, 5, "654321", kStart + 1});
  EXPECT_EQ(again.error, Refusal::SessionAlreadyOpen);
  EXPECT_EQ(again.session->id, sid);
  ASSERT_EQ(cls_.sessions().size(), 1u);
  ASSERT_EQ(cls_.close(info_, sid, {kTeacher, kStart + kMinute}).error, Refusal::None);
  const OpenResult next = cls_.open({kTeacher, 5, "111111", kStart + 2 * kMinute});
  ASSERT_EQ(next.error, Refusal::None);
  EXPECT_NE(next.session->id, sid);
  EXPECT_EQ(next.session->id.value, sid.value + 1);
}

TEST_F(AttendanceTest, FirstCheckInCreatesPresentThenRepeatIsIdempotent) {
  const SessionId sid = open();
  const CheckInResult first = check_in(sid, kAlice, kStart + 2 * kMinute);
  ASSERT_EQ(first.error, Refusal::None);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.record.status, AttendanceStatus::Present);
  EXPECT_EQ(first.record.method, Method::VerificationCode);
  EXPECT_EQ(first.record.check_in_time_ms, kStart + 2 * kMinute);
  EXPECT_FALSE(first.record.is_late);
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.events[0].kind, Event::Kind::CheckedIn);

  const CheckInResult repeat = check_in(sid, kAlice, kStart + 9 * kMinute, Method::QrCode);
  ASSERT_EQ(repeat.error, Refusal::None);
  EXPECT_FALSE(repeat.created);
  EXPECT_TRUE(repeat.events.empty());
  EXPECT_EQ(repeat.record.check_in_time_ms, kStart + 2 * kMinute);  // unchanged
  EXPECT_EQ(repeat.record.method, Method::VerificationCode);
  EXPECT_EQ(cls_.session(sid)->audit.size(), 1u);
}

TEST_F(AttendanceTest, LateBoundaryExactlyAtThresholdIsPresentOneMsLaterIsLate) {
  const SessionId sid = open(5);
  const CheckInResult on_time = check_in(sid, kAlice, kStart + 5 * kMinute);
  EXPECT_EQ(on_time.record.status, AttendanceStatus::Present);
  EXPECT_FALSE(on_time.record.is_late);
  EXPECT_EQ(on_time.record.late_minutes, 0u);
  const CheckInResult late = check_in(sid, kBob, kStart + 5 * kMinute + 1);
  EXPECT_EQ(late.record.status, AttendanceStatus::Late);
  EXPECT_TRUE(late.record.is_late);
  EXPECT_EQ(late.record.late_minutes, 5u);
  const CheckInResult later = check_in(sid, kCarol, kStart + 17 * kMinute + 59'999);
  EXPECT_EQ(later.record.late_minutes, 17u);  // whole minutes since the start
}

TEST_F(AttendanceTest, LateAfterZeroMakesAnyDelayLate) {
  const SessionId sid = open(0);
  EXPECT_EQ(check_in(sid, kAlice, kStart).record.status, AttendanceStatus::Present);
  const CheckInResult r = check_in(sid, kBob, kStart + 1);
  EXPECT_EQ(r.record.status, AttendanceStatus::Late);
  EXPECT_EQ(r.record.late_minutes, 0u);
}

TEST_F(AttendanceTest, StudentNotEnrolledIsRefused) {
  const SessionId sid = open();
  const CheckInResult r = check_in(sid, kStranger, kStart);
  EXPECT_EQ(r.error, Refusal::NotEnrolled);
  EXPECT_TRUE(cls_.session(sid)->records.empty());
  EXPECT_TRUE(cls_.session(sid)->audit.empty());
}

TEST_F(AttendanceTest, CheckInAfterCloseIsRefusedAndChangesNothing) {
  const SessionId sid = open();
  ASSERT_EQ(cls_.close(info_, sid, {kTeacher, kStart + kMinute}).error, Refusal::None);
  const std::size_t audit_before = cls_.session(sid)->audit.size();
  const CheckInResult r = check_in(sid, kAlice, kStart + 2 * kMinute);
  EXPECT_EQ(r.error, Refusal::SessionClosed);
  EXPECT_EQ(cls_.session(sid)->record_of(kAlice).status, AttendanceStatus::Absent);
  EXPECT_EQ(cls_.session(sid)->audit.size(), audit_before);
}

TEST_F(AttendanceTest, OverrideThenCheckInKeepsTheOverride) {
  const SessionId sid = open();
  const RecordResult o = cls_.override_record(
      info_, sid, {kTeacher, kAlice, AttendanceStatus::Excused, "doctor", kStart + kMinute});
  ASSERT_EQ(o.error, Refusal::None);
  EXPECT_TRUE(o.created);
  EXPECT_TRUE(o.record.is_manual_override);
  EXPECT_EQ(o.record.method, Method::TeacherOverride);
  EXPECT_EQ(o.record.override_reason, "doctor");
  const CheckInResult r = check_in(sid, kAlice, kStart + 2 * kMinute);
  ASSERT_EQ(r.error, Refusal::None);
  EXPECT_FALSE(r.created);
  EXPECT_EQ(r.record.status, AttendanceStatus::Excused);
  EXPECT_TRUE(r.record.is_manual_override);
  EXPECT_FALSE(r.record.check_in_time_ms.has_value());
}

TEST_F(AttendanceTest, OverrideOfACheckInKeepsItsTimeAndIsAnUpdate) {
  const SessionId sid = open(5);
  check_in(sid, kAlice, kStart + 12 * kMinute);  // late, 12 minutes
  const RecordResult o = cls_.override_record(
      info_, sid,
      {kTeacher, kAlice, AttendanceStatus::Present, std::nullopt, kStart + 20 * kMinute});
  ASSERT_EQ(o.error, Refusal::None);
  EXPECT_FALSE(o.created);
  EXPECT_EQ(o.record.status, AttendanceStatus::Present);
  EXPECT_FALSE(o.record.is_late);
  EXPECT_EQ(o.record.late_minutes, 0u);
  EXPECT_EQ(o.record.check_in_time_ms, kStart + 12 * kMinute);
  EXPECT_FALSE(o.record.override_reason.has_value());
  const RecordResult back = cls_.override_record(
      info_, sid, {kTeacher, kAlice, AttendanceStatus::Late, "bus", kStart + 21 * kMinute});
  EXPECT_TRUE(back.record.is_late);
  EXPECT_EQ(back.record.late_minutes, 12u);
}

TEST_F(AttendanceTest, OverrideRefusesUnmarkedAndStrangers) {
  const SessionId sid = open();
  EXPECT_EQ(
      cls_.override_record(info_, sid, {kTeacher, kAlice, AttendanceStatus::Unmarked, {}, kStart})
          .error,
      Refusal::InvalidStatus);
  EXPECT_EQ(
      cls_.override_record(info_, sid, {kTeacher, kStranger, AttendanceStatus::Present, {}, kStart})
          .error,
      Refusal::UnknownStudent);
  EXPECT_EQ(cls_.override_record(info_, SessionId{sid.value + 1},
                                 {kTeacher, kAlice, AttendanceStatus::Present, {}, kStart})
                .error,
            Refusal::SessionNotFound);
  EXPECT_TRUE(cls_.session(sid)->audit.empty());
}

TEST_F(AttendanceTest, OverrideWorksOnAClosedSession) {
  const SessionId sid = open();
  cls_.close(info_, sid, {kTeacher, kStart + kMinute});
  const RecordResult o = cls_.override_record(
      info_, sid, {kTeacher, kBob, AttendanceStatus::Excused, "note", kStart + 60 * kMinute});
  ASSERT_EQ(o.error, Refusal::None);
  EXPECT_EQ(cls_.session(sid)->record_of(kBob).status, AttendanceStatus::Excused);
}

TEST_F(AttendanceTest, BulkWithOneBadStudentChangesNothing) {
  const SessionId sid = open();
  Bulk b{kTeacher,
         {{kAlice, AttendanceStatus::Absent, std::nullopt},
          {kStranger, AttendanceStatus::Absent, std::nullopt}},
         AttendanceStatus::Absent,
         kStart};
  const BulkResult r = cls_.bulk(info_, sid, b);
  EXPECT_EQ(r.error, Refusal::UnknownStudent);
  EXPECT_EQ(r.offending_student, kStranger);
  EXPECT_TRUE(r.changed.empty());
  EXPECT_TRUE(cls_.session(sid)->records.empty());
  EXPECT_TRUE(cls_.session(sid)->audit.empty());

  Bulk dup{kTeacher,
           {{kAlice, AttendanceStatus::Absent, {}}, {kAlice, AttendanceStatus::Present, {}}},
           std::nullopt,
           kStart};
  EXPECT_EQ(cls_.bulk(info_, sid, dup).error, Refusal::DuplicateStudent);
  Bulk unmarked{kTeacher, {{kAlice, AttendanceStatus::Unmarked, {}}}, std::nullopt, kStart};
  EXPECT_EQ(cls_.bulk(info_, sid, unmarked).error, Refusal::InvalidStatus);
  EXPECT_TRUE(cls_.session(sid)->records.empty());
}

TEST_F(AttendanceTest, BulkUpdatesThenMarksRemaining) {
  const SessionId sid = open();
  check_in(sid, kAlice, kStart + kMinute);
  Bulk b{kTeacher,
         {{kBob, AttendanceStatus::Excused, std::string("field trip")}},
         AttendanceStatus::Absent,
         kStart + 30 * kMinute};
  const BulkResult r = cls_.bulk(info_, sid, b);
  ASSERT_EQ(r.error, Refusal::None);
  ASSERT_EQ(r.changed.size(), 2u);  // Bob by update, Carol as remaining; Alice had checked in
  EXPECT_EQ(r.changed[0].student, kBob);
  EXPECT_EQ(r.changed[0].status, AttendanceStatus::Excused);
  EXPECT_EQ(r.changed[0].method, Method::Bulk);
  EXPECT_TRUE(r.changed[0].is_manual_override);
  EXPECT_EQ(r.changed[1].student, kCarol);
  EXPECT_EQ(r.changed[1].status, AttendanceStatus::Absent);
  const Counts c = count(info_, *cls_.session(sid));
  EXPECT_EQ(c, (Counts{1, 0, 1, 1, 0, 3}));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, Event::Kind::BulkChanged);
}

TEST_F(AttendanceTest, CloseMarksEveryUnmarkedStudentAbsent) {
  const SessionId sid = open();
  check_in(sid, kAlice, kStart + kMinute);
  cls_.override_record(info_, sid,
                       {kTeacher, kBob, AttendanceStatus::Excused, {}, kStart + kMinute});
  const CloseResult r = cls_.close(info_, sid, {kTeacher, kStart + 45 * kMinute});
  ASSERT_EQ(r.error, Refusal::None);
  EXPECT_EQ(r.marked_absent, 1u);
  const Session& s = *cls_.session(sid);
  EXPECT_FALSE(s.open);
  EXPECT_EQ(s.closed_at_ms, kStart + 45 * kMinute);
  const Record carol = s.record_of(kCarol);
  EXPECT_EQ(carol.status, AttendanceStatus::Absent);
  EXPECT_EQ(carol.method, Method::SessionClose);
  EXPECT_FALSE(carol.is_manual_override);
  EXPECT_EQ(carol.timestamp_ms, kStart + 45 * kMinute);
  EXPECT_EQ(cls_.open_session(), nullptr);
  EXPECT_EQ(cls_.close(info_, sid, {kTeacher, kStart + 46 * kMinute}).error,
            Refusal::SessionAlreadyClosed);
}

TEST_F(AttendanceTest, EveryChangeIsAudited) {
  const SessionId sid = open();
  check_in(sid, kAlice, kStart + kMinute);
  cls_.override_record(
      info_, sid, {kTeacher, kAlice, AttendanceStatus::Excused, "doctor", kStart + 2 * kMinute});
  cls_.bulk(info_, sid,
            {kTeacher, {{kBob, AttendanceStatus::Late, {}}}, std::nullopt, kStart + 3 * kMinute});
  cls_.close(info_, sid, {kTeacher, kStart + 4 * kMinute});
  const auto& audit = cls_.session(sid)->audit;
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[0].actor, kAlice);
  EXPECT_EQ(audit[0].from, AttendanceStatus::Unmarked);
  EXPECT_EQ(audit[0].to, AttendanceStatus::Present);
  EXPECT_EQ(audit[0].method, Method::VerificationCode);
  EXPECT_EQ(audit[1].actor, kTeacher);
  EXPECT_EQ(audit[1].from, AttendanceStatus::Present);
  EXPECT_EQ(audit[1].to, AttendanceStatus::Excused);
  EXPECT_EQ(audit[1].reason, "doctor");
  EXPECT_EQ(audit[2].method, Method::Bulk);
  EXPECT_EQ(audit[3].student, kCarol);
  EXPECT_EQ(audit[3].method, Method::SessionClose);
  for (std::size_t i = 1; i < audit.size(); ++i) EXPECT_LE(audit[i - 1].at_ms, audit[i].at_ms);
}

TEST_F(AttendanceTest, CountsCoverEveryEnrolledStudent) {
  const SessionId sid = open(5);
  EXPECT_EQ(count(info_, *cls_.session(sid)), (Counts{0, 0, 0, 0, 3, 3}));
  check_in(sid, kAlice, kStart);
  check_in(sid, kBob, kStart + 10 * kMinute);
  EXPECT_EQ(count(info_, *cls_.session(sid)), (Counts{1, 1, 0, 0, 1, 3}));
}

TEST(SessionIds, EncodeTheirClassAndStayBelowTwoToThe53) {
  const SessionId s = make_session_id(ClassId{kClassIdMax}, kSessionSeqMax);
  EXPECT_EQ(class_of(s), ClassId{kClassIdMax});
  EXPECT_LT(s.value, 1ull << 53);
  EXPECT_EQ(class_of(make_session_id(ClassId{4}, 1)), ClassId{4});
}

}  // namespace
}  // namespace rollcall::domain

namespace rollcall::domain {
namespace {

TEST(AttendanceCopy, ACopyHasItsOwnOpenSession) {
  ClassAttendance a(ClassId{4});
  ASSERT_EQ(a.open({UserId{2}, 5, "123456", 1000}).error, Refusal::None);
  ClassAttendance b = a;
  ASSERT_NE(b.open_session(), nullptr);
  EXPECT_EQ(b.open_session(), &b.sessions().front());  // not a pointer into `a`
  ClassInfo info;
  info.id = ClassId{4};
  ASSERT_EQ(a.close(info, a.open_session()->id, {UserId{2}, 2000}).error, Refusal::None);
  EXPECT_EQ(a.open_session(), nullptr);
  ASSERT_NE(b.open_session(), nullptr);  // closing the original leaves the copy open
  EXPECT_TRUE(b.open_session()->open);
}

}  // namespace
}  // namespace rollcall::domain

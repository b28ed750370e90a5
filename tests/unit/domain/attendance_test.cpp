// Live (REST) attendance rules in the domain: sessions, check-ins, overrides, bulk
// marking, closing, counts and the audit trail, through `apply` and `attempt_*`.
#include "rollcall/domain/attendance.hpp"

#include <gtest/gtest.h>

#include "tests/unit/domain/fixtures.hpp"

namespace rollcall::domain {
namespace {

using namespace fixtures;

class AttendanceTest : public ::testing::Test {
 protected:
  AttendanceTest() : cls_(kClass), info_(class_info()) {}

  SessionId open(std::uint32_t late_after = 5, std::int64_t at = kStart) {
    const Outcome r = cls_.apply(info_, open_cmd(at, late_after));
    EXPECT_TRUE(r.applied());
    return r.session;
  }
  // A REST check-in: the right code (or a current QR token), counted now.
  Outcome check_in(SessionId sid, UserId student, std::int64_t at,
                   Method m = Method::VerificationCode) {
    return cls_.attempt_check_in(
        info_, live_check_in(sid, student, at,
                             m == Method::QrCode ? Proof{qr()} : Proof{CodeProof{kCode}}));
  }
  // A REST override, decided now.
  Outcome override_record(SessionId sid, UserId student, AttendanceStatus status,
                          std::optional<std::string> reason, std::int64_t now) {
    return cls_.attempt_override(info_, live_override(sid, student, status, reason, now));
  }
  Outcome close(SessionId sid, std::int64_t now) { return cls_.apply(info_, close_cmd(sid, now)); }
  const Session& session(SessionId sid) { return *cls_.session(sid); }

  ClassAttendance cls_;
  ClassInfo info_;
};

TEST_F(AttendanceTest, OneOpenSessionPerClass) {
  const SessionId sid = open();
  EXPECT_EQ(class_of(sid), kClass);
  const Outcome again = cls_.apply(info_, open_cmd(kStart + 1, 5, "654321"));
  EXPECT_EQ(again.refusal, Refusal::SessionAlreadyOpen);
  EXPECT_EQ(again.session, sid);
  EXPECT_FALSE(again.logged.has_value());
  EXPECT_TRUE(again.events.empty());
  ASSERT_EQ(cls_.sessions().size(), 1u);
  EXPECT_EQ(cls_.open_session()->verification_code, kCode);
  ASSERT_EQ(close(sid, kStart + kMinute).refusal, Refusal::None);
  const Outcome next = cls_.apply(info_, open_cmd(kStart + 2 * kMinute, 5, "111111"));
  ASSERT_EQ(next.refusal, Refusal::None);
  EXPECT_EQ(next.change, Change::Applied);
  EXPECT_NE(next.session, sid);
  EXPECT_EQ(next.session.value, sid.value + 1);
  ASSERT_EQ(next.events.size(), 1u);
  EXPECT_EQ(next.events[0].kind, Event::Kind::SessionOpened);
  EXPECT_EQ(next.events[0].session, next.session);
}

TEST_F(AttendanceTest, FirstCheckInCreatesPresentThenRepeatIsIdempotent) {
  const SessionId sid = open();
  const Outcome first = check_in(sid, kAlice, kStart + 2 * kMinute);
  ASSERT_EQ(first.refusal, Refusal::None);
  EXPECT_EQ(first.change, Change::Applied);
  EXPECT_TRUE(first.created);
  ASSERT_EQ(first.records.size(), 1u);
  EXPECT_EQ(first.records[0].status, AttendanceStatus::Present);
  EXPECT_EQ(first.records[0].method, Method::VerificationCode);
  EXPECT_EQ(first.records[0].check_in_time_ms, kStart + 2 * kMinute);
  EXPECT_FALSE(first.records[0].is_late);
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.events[0].kind, Event::Kind::CheckedIn);
  EXPECT_TRUE(first.events[0].created);

  const Outcome repeat = check_in(sid, kAlice, kStart + 9 * kMinute, Method::QrCode);
  ASSERT_EQ(repeat.refusal, Refusal::None);
  EXPECT_EQ(repeat.change, Change::Unchanged);
  EXPECT_FALSE(repeat.created);
  EXPECT_FALSE(repeat.logged.has_value());
  EXPECT_TRUE(repeat.events.empty());
  ASSERT_EQ(repeat.records.size(), 1u);
  EXPECT_EQ(repeat.records[0].check_in_time_ms, kStart + 2 * kMinute);  // unchanged
  EXPECT_EQ(repeat.records[0].method, Method::VerificationCode);
  EXPECT_EQ(session(sid).audit.size(), 1u);
}

TEST_F(AttendanceTest, LateBoundaryExactlyAtThresholdIsPresentOneMsLaterIsLate) {
  const SessionId sid = open(5);
  const Outcome on_time = check_in(sid, kAlice, kStart + 5 * kMinute);
  ASSERT_EQ(on_time.records.size(), 1u);
  EXPECT_EQ(on_time.records[0].status, AttendanceStatus::Present);
  EXPECT_FALSE(on_time.records[0].is_late);
  EXPECT_EQ(on_time.records[0].late_minutes, 0u);
  const Outcome late = check_in(sid, kBob, kStart + 5 * kMinute + 1);
  ASSERT_EQ(late.records.size(), 1u);
  EXPECT_EQ(late.records[0].status, AttendanceStatus::Late);
  EXPECT_TRUE(late.records[0].is_late);
  EXPECT_EQ(late.records[0].late_minutes, 5u);
  const Outcome later = check_in(sid, kCarol, kStart + 17 * kMinute + 59'999);
  ASSERT_EQ(later.records.size(), 1u);
  EXPECT_EQ(later.records[0].late_minutes, 17u);  // whole minutes since the start
}

TEST_F(AttendanceTest, LateAfterZeroMakesAnyDelayLate) {
  const SessionId sid = open(0);
  EXPECT_EQ(check_in(sid, kAlice, kStart).records.at(0).status, AttendanceStatus::Present);
  const Outcome r = check_in(sid, kBob, kStart + 1);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].status, AttendanceStatus::Late);
  EXPECT_EQ(r.records[0].late_minutes, 0u);
}

TEST(Lateness, IsJudgedFromTheStartInWholeMinutes) {
  EXPECT_FALSE(lateness(kStart, 5, kStart + 5 * kMinute).is_late);
  EXPECT_TRUE(lateness(kStart, 5, kStart + 5 * kMinute + 1).is_late);
  EXPECT_EQ(lateness(kStart, 5, kStart + 5 * kMinute + 1).late_minutes, 5u);
  EXPECT_EQ(lateness(kStart, 0, kStart + kMinute - 1).late_minutes, 0u);
  EXPECT_TRUE(lateness(kStart, 0, kStart + kMinute - 1).is_late);
  EXPECT_FALSE(lateness(kStart, 0, kStart).is_late);
}

TEST_F(AttendanceTest, StudentNotEnrolledIsRefused) {
  const SessionId sid = open();
  const Outcome r = check_in(sid, kStranger, kStart);
  EXPECT_EQ(r.refusal, Refusal::NotEnrolled);
  EXPECT_FALSE(r.applied());
  EXPECT_FALSE(r.logged.has_value());
  EXPECT_TRUE(session(sid).records.empty());
  EXPECT_TRUE(session(sid).audit.empty());
}

TEST_F(AttendanceTest, CheckInWithoutASessionIsNoOpenSession) {
  // REST passes the open session; with none open (or an unknown one) there is none.
  EXPECT_EQ(check_in(SessionId{}, kAlice, kStart).refusal, Refusal::NoOpenSession);
  const SessionId sid = open();
  EXPECT_EQ(check_in(SessionId{sid.value + 1}, kAlice, kStart).refusal, Refusal::NoOpenSession);
  EXPECT_EQ(check_in(make_session_id(ClassId{5}, 1), kAlice, kStart).refusal,
            Refusal::NoOpenSession);
  EXPECT_TRUE(session(sid).audit.empty());
}

TEST_F(AttendanceTest, CheckInAfterCloseIsRefusedAndChangesNothing) {
  const SessionId sid = open();
  ASSERT_EQ(close(sid, kStart + kMinute).refusal, Refusal::None);
  const std::size_t audit_before = session(sid).audit.size();
  const Outcome r = check_in(sid, kAlice, kStart + 2 * kMinute);
  EXPECT_EQ(r.refusal, Refusal::SessionClosed);
  EXPECT_FALSE(r.logged.has_value());
  EXPECT_EQ(session(sid).record_of(kAlice).status, AttendanceStatus::Absent);
  EXPECT_EQ(session(sid).audit.size(), audit_before);
}

TEST_F(AttendanceTest, ALiveCheckInInTheClosesMillisecondIsRefused) {
  // A live check-in happens now: once the session is closed it is too late, even
  // when the server's clock has not moved on since the close (an offline op with
  // that client_time would still count).
  const SessionId sid = open();
  ASSERT_EQ(close(sid, kStart + kMinute).refusal, Refusal::None);
  EXPECT_EQ(check_in(sid, kAlice, kStart + kMinute).refusal, Refusal::SessionClosed);
  EXPECT_EQ(session(sid).record_of(kAlice).status, AttendanceStatus::Absent);
}

TEST_F(AttendanceTest, ALiveCheckInUnderAnOverrideChangesNothing) {
  const SessionId sid = open();
  const Outcome o =
      override_record(sid, kAlice, AttendanceStatus::Excused, "doctor", kStart + kMinute);
  ASSERT_EQ(o.refusal, Refusal::None);
  EXPECT_EQ(o.change, Change::Applied);
  EXPECT_TRUE(o.created);
  ASSERT_EQ(o.records.size(), 1u);
  EXPECT_TRUE(o.records[0].is_manual_override);
  EXPECT_EQ(o.records[0].method, Method::TeacherOverride);
  EXPECT_EQ(o.records[0].override_reason, "doctor");
  // API.md §4: a live check-in answers with the overridden record, unchanged.
  const Outcome r = check_in(sid, kAlice, kStart + 2 * kMinute);
  ASSERT_EQ(r.refusal, Refusal::None);
  EXPECT_EQ(r.change, Change::Unchanged);
  EXPECT_FALSE(r.logged.has_value());
  EXPECT_TRUE(r.events.empty());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].status, AttendanceStatus::Excused);
  EXPECT_EQ(r.records[0].method, Method::TeacherOverride);
  EXPECT_EQ(r.records[0].override_reason, "doctor");
  EXPECT_FALSE(r.records[0].check_in_time_ms.has_value());
  EXPECT_EQ(r.records[0].timestamp_ms, o.records[0].timestamp_ms);
  EXPECT_EQ(session(sid).audit.size(), 1u);
}

TEST_F(AttendanceTest, OverrideOfACheckInKeepsItsTimeAndIsAnUpdate) {
  const SessionId sid = open(5);
  ASSERT_TRUE(check_in(sid, kAlice, kStart + 12 * kMinute).applied());  // late, 12 minutes
  const Outcome o =
      override_record(sid, kAlice, AttendanceStatus::Present, std::nullopt, kStart + 20 * kMinute);
  ASSERT_EQ(o.refusal, Refusal::None);
  EXPECT_EQ(o.change, Change::Applied);
  EXPECT_FALSE(o.created);
  ASSERT_EQ(o.records.size(), 1u);
  EXPECT_EQ(o.records[0].status, AttendanceStatus::Present);
  EXPECT_FALSE(o.records[0].is_late);
  EXPECT_EQ(o.records[0].late_minutes, 0u);
  EXPECT_EQ(o.records[0].check_in_time_ms, kStart + 12 * kMinute);
  EXPECT_FALSE(o.records[0].override_reason.has_value());
  EXPECT_EQ(o.records[0].override_at_ms, kStart + 20 * kMinute);
  EXPECT_EQ(o.records[0].override_op, "");
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(o.events[0].kind, Event::Kind::RecordChanged);
  EXPECT_FALSE(o.events[0].created);
  const Outcome back =
      override_record(sid, kAlice, AttendanceStatus::Late, "bus", kStart + 21 * kMinute);
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_TRUE(back.records[0].is_late);
  EXPECT_EQ(back.records[0].late_minutes, 12u);
}

TEST_F(AttendanceTest, OverrideRefusesUnmarkedAndStrangers) {
  const SessionId sid = open();
  EXPECT_EQ(override_record(sid, kAlice, AttendanceStatus::Unmarked, {}, kStart).refusal,
            Refusal::InvalidStatus);
  EXPECT_EQ(override_record(sid, kStranger, AttendanceStatus::Present, {}, kStart).refusal,
            Refusal::StudentNotFound);
  EXPECT_EQ(override_record(SessionId{sid.value + 1}, kAlice, AttendanceStatus::Present, {}, kStart)
                .refusal,
            Refusal::SessionNotFound);
  // `apply` of the Override command refuses the same way.
  EXPECT_EQ(
      cls_.apply(info_, live_override(sid, kAlice, AttendanceStatus::Unmarked, {}, kStart).command)
          .refusal,
      Refusal::InvalidStatus);
  EXPECT_EQ(cls_.apply(info_,
                       live_override(sid, kStranger, AttendanceStatus::Present, {}, kStart).command)
                .refusal,
            Refusal::StudentNotFound);
  EXPECT_TRUE(session(sid).records.empty());
  EXPECT_TRUE(session(sid).audit.empty());
}

TEST_F(AttendanceTest, OverrideWorksOnAClosedSession) {
  const SessionId sid = open();
  ASSERT_TRUE(close(sid, kStart + kMinute).applied());
  const Outcome o =
      override_record(sid, kBob, AttendanceStatus::Excused, "note", kStart + 60 * kMinute);
  ASSERT_EQ(o.refusal, Refusal::None);
  EXPECT_EQ(o.change, Change::Applied);
  EXPECT_EQ(session(sid).record_of(kBob).status, AttendanceStatus::Excused);
}

TEST_F(AttendanceTest, BulkWithOneBadStudentChangesNothing) {
  const SessionId sid = open();
  const Outcome r =
      cls_.apply(info_, bulk_cmd(sid,
                                 {{kAlice, AttendanceStatus::Absent, std::nullopt},
                                  {kStranger, AttendanceStatus::Absent, std::nullopt}},
                                 AttendanceStatus::Absent, kStart));
  EXPECT_EQ(r.refusal, Refusal::UnknownStudent);
  EXPECT_EQ(r.offending_student, kStranger);
  EXPECT_TRUE(r.records.empty());
  EXPECT_FALSE(r.logged.has_value());
  EXPECT_TRUE(session(sid).records.empty());
  EXPECT_TRUE(session(sid).audit.empty());

  const Outcome dup = cls_.apply(info_, bulk_cmd(sid,
                                                 {{kAlice, AttendanceStatus::Absent, {}},
                                                  {kAlice, AttendanceStatus::Present, {}}},
                                                 std::nullopt, kStart));
  EXPECT_EQ(dup.refusal, Refusal::DuplicateStudent);
  EXPECT_EQ(dup.offending_student, kAlice);
  const Outcome unmarked = cls_.apply(info_, bulk_cmd(sid,
                                                      {{kBob, AttendanceStatus::Present, {}},
                                                       {kCarol, AttendanceStatus::Unmarked, {}}},
                                                      std::nullopt, kStart));
  EXPECT_EQ(unmarked.refusal, Refusal::InvalidStatus);
  EXPECT_EQ(unmarked.offending_student, kCarol);
  EXPECT_EQ(cls_.apply(info_, bulk_cmd(sid, {{kBob, AttendanceStatus::Present, {}}},
                                       AttendanceStatus::Unmarked, kStart))
                .refusal,
            Refusal::InvalidStatus);
  EXPECT_EQ(
      cls_.apply(info_, bulk_cmd(SessionId{sid.value + 1}, {{kBob, AttendanceStatus::Present, {}}},
                                 std::nullopt, kStart))
          .refusal,
      Refusal::SessionNotFound);
  EXPECT_TRUE(session(sid).records.empty());
  EXPECT_TRUE(session(sid).audit.empty());
}

TEST_F(AttendanceTest, BulkUpdatesThenMarksRemaining) {
  const SessionId sid = open();
  ASSERT_TRUE(check_in(sid, kAlice, kStart + kMinute).applied());
  const Outcome r = cls_.apply(
      info_, bulk_cmd(sid, {{kBob, AttendanceStatus::Excused, std::string("field trip")}},
                      AttendanceStatus::Absent, kStart + 30 * kMinute));
  ASSERT_EQ(r.refusal, Refusal::None);
  EXPECT_EQ(r.change, Change::Applied);
  ASSERT_EQ(r.records.size(), 2u);  // Bob by update, Carol as remaining; Alice had checked in
  EXPECT_EQ(r.records[0].student, kBob);
  EXPECT_EQ(r.records[0].status, AttendanceStatus::Excused);
  EXPECT_EQ(r.records[0].method, Method::Bulk);
  EXPECT_EQ(r.records[0].override_reason, "field trip");
  EXPECT_TRUE(r.records[0].is_manual_override);
  EXPECT_EQ(r.records[1].student, kCarol);
  EXPECT_EQ(r.records[1].status, AttendanceStatus::Absent);
  EXPECT_EQ(r.records[1].method, Method::Bulk);
  EXPECT_EQ(session(sid).record_of(kAlice).status, AttendanceStatus::Present);
  EXPECT_EQ(count(info_, session(sid)), (Counts{1, 0, 1, 1, 0, 3}));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, Event::Kind::BulkChanged);
  EXPECT_EQ(r.events[0].records.size(), 2u);
  // The log gets the students "mark remaining" marked.
  ASSERT_TRUE(r.logged.has_value());
  const Bulk& logged = std::get<Bulk>(*r.logged);
  EXPECT_EQ(logged.remaining, std::vector<UserId>{kCarol});
}

TEST_F(AttendanceTest, BulkThatChangesNothingIsUnchangedAndNotLogged) {
  const SessionId sid = open();
  // A clock a minute ahead: the phone's override is made after the bulk call.
  ASSERT_TRUE(
      cls_.attempt_override(info_, offline_override(sid, kAlice, AttendanceStatus::Absent, "phone",
                                                    kStart + 11 * kMinute, "p1",
                                                    kStart + 10 * kMinute, kStart + 12 * kMinute))
          .applied());
  const std::size_t audit = session(sid).audit.size();
  // CHANGED: before the redesign a bulk call that wrote nothing still "succeeded"
  // with an empty list; now it is Unchanged and there is nothing to log.
  const Outcome none = cls_.apply(info_, bulk_cmd(sid, {{kAlice, AttendanceStatus::Present, {}}},
                                                  std::nullopt, kStart + 10 * kMinute));
  EXPECT_EQ(none.refusal, Refusal::None);
  EXPECT_EQ(none.change, Change::Unchanged);
  EXPECT_FALSE(none.logged.has_value());
  EXPECT_TRUE(none.events.empty());
  EXPECT_TRUE(none.records.empty());
  const Outcome empty = cls_.apply(info_, bulk_cmd(sid, {}, std::nullopt, kStart + 10 * kMinute));
  EXPECT_EQ(empty.change, Change::Unchanged);
  EXPECT_FALSE(empty.logged.has_value());
  EXPECT_EQ(session(sid).audit.size(), audit);
  EXPECT_EQ(session(sid).record_of(kAlice).status, AttendanceStatus::Absent);
}

TEST_F(AttendanceTest, CloseMarksEveryUnmarkedStudentAbsent) {
  const SessionId sid = open();
  ASSERT_TRUE(check_in(sid, kAlice, kStart + kMinute).applied());
  ASSERT_TRUE(
      override_record(sid, kBob, AttendanceStatus::Excused, {}, kStart + kMinute).applied());
  const Outcome r = close(sid, kStart + 45 * kMinute);
  ASSERT_EQ(r.refusal, Refusal::None);
  EXPECT_EQ(r.change, Change::Applied);
  EXPECT_EQ(r.session, sid);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].student, kCarol);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, Event::Kind::SessionClosed);
  EXPECT_EQ(r.events[0].marked_absent, 1u);
  ASSERT_TRUE(r.logged.has_value());
  EXPECT_EQ(std::get<CloseSession>(*r.logged).marked_absent, std::vector<UserId>{kCarol});
  const Session& s = session(sid);
  EXPECT_FALSE(s.open);
  EXPECT_EQ(s.closed_at_ms, kStart + 45 * kMinute);
  const Record carol = s.record_of(kCarol);
  EXPECT_EQ(carol.status, AttendanceStatus::Absent);
  EXPECT_EQ(carol.method, Method::SessionClose);
  EXPECT_FALSE(carol.is_manual_override);
  EXPECT_EQ(carol.timestamp_ms, kStart + 45 * kMinute);
  EXPECT_EQ(s.record_of(kAlice).status, AttendanceStatus::Present);
  EXPECT_EQ(s.record_of(kBob).status, AttendanceStatus::Excused);
  EXPECT_EQ(cls_.open_session(), nullptr);
  EXPECT_EQ(close(sid, kStart + 46 * kMinute).refusal, Refusal::SessionAlreadyClosed);
  EXPECT_EQ(close(SessionId{sid.value + 1}, kStart + 46 * kMinute).refusal,
            Refusal::SessionNotFound);
}

TEST_F(AttendanceTest, EveryChangeIsAudited) {
  const SessionId sid = open();
  ASSERT_TRUE(check_in(sid, kAlice, kStart + kMinute).applied());
  ASSERT_TRUE(
      override_record(sid, kAlice, AttendanceStatus::Excused, "doctor", kStart + 2 * kMinute)
          .applied());
  ASSERT_TRUE(cls_.apply(info_, bulk_cmd(sid, {{kBob, AttendanceStatus::Late, {}}}, std::nullopt,
                                         kStart + 3 * kMinute))
                  .applied());
  ASSERT_TRUE(close(sid, kStart + 4 * kMinute).applied());
  const auto& audit = session(sid).audit;
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[0].actor, kAlice);
  EXPECT_EQ(audit[0].student, kAlice);
  EXPECT_EQ(audit[0].from, AttendanceStatus::Unmarked);
  EXPECT_EQ(audit[0].to, AttendanceStatus::Present);
  EXPECT_EQ(audit[0].method, Method::VerificationCode);
  EXPECT_EQ(audit[1].actor, kTeacher);
  EXPECT_EQ(audit[1].from, AttendanceStatus::Present);
  EXPECT_EQ(audit[1].to, AttendanceStatus::Excused);
  EXPECT_EQ(audit[1].reason, "doctor");
  EXPECT_EQ(audit[2].student, kBob);
  EXPECT_EQ(audit[2].method, Method::Bulk);
  EXPECT_EQ(audit[2].to, AttendanceStatus::Late);
  EXPECT_EQ(audit[3].student, kCarol);
  EXPECT_EQ(audit[3].to, AttendanceStatus::Absent);
  EXPECT_EQ(audit[3].method, Method::SessionClose);
  for (std::size_t i = 1; i < audit.size(); ++i) EXPECT_LE(audit[i - 1].at_ms, audit[i].at_ms);
}

TEST_F(AttendanceTest, CountsCoverEveryEnrolledStudent) {
  const SessionId sid = open(5);
  EXPECT_EQ(count(info_, session(sid)), (Counts{0, 0, 0, 0, 3, 3}));
  check_in(sid, kAlice, kStart);
  check_in(sid, kBob, kStart + 10 * kMinute);
  EXPECT_EQ(count(info_, session(sid)), (Counts{1, 1, 0, 0, 1, 3}));
}

TEST_F(AttendanceTest, AnnounceJoinChangesNoAttendance) {
  const SessionId sid = open();
  const AnnounceJoin join{kClass, UserId{13}, kStart + kMinute};
  const Outcome r = cls_.apply(info_, join);
  ASSERT_TRUE(r.applied());
  EXPECT_EQ(r.logged, std::optional<Command>(join));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, Event::Kind::StudentJoinedClass);
  EXPECT_EQ(r.events[0].student, UserId{13});
  EXPECT_TRUE(session(sid).records.empty());
  EXPECT_TRUE(session(sid).audit.empty());
}

TEST(SessionIds, EncodeTheirClassAndStayBelowTwoToThe53) {
  const SessionId s = make_session_id(ClassId{kClassIdMax}, kSessionSeqMax);
  EXPECT_EQ(class_of(s), ClassId{kClassIdMax});
  EXPECT_LT(s.value, 1ull << 53);
  EXPECT_EQ(class_of(make_session_id(ClassId{4}, 1)), ClassId{4});
}

TEST(AttendanceCopy, ACopyHasItsOwnOpenSession) {
  ClassAttendance a(kClass);
  const ClassInfo info = class_info(0);
  ASSERT_TRUE(a.apply(info, open_cmd(1000)).applied());
  ClassAttendance b = a;
  ASSERT_NE(b.open_session(), nullptr);
  EXPECT_EQ(b.open_session(), &b.sessions().front());  // not a pointer into `a`
  ASSERT_EQ(a.apply(info, close_cmd(a.open_session()->id, 2000)).refusal, Refusal::None);
  EXPECT_EQ(a.open_session(), nullptr);
  ASSERT_NE(b.open_session(), nullptr);  // closing the original leaves the copy open
  EXPECT_TRUE(b.open_session()->open);
}

}  // namespace
}  // namespace rollcall::domain

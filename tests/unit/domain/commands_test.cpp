// Commands as the log stores them: `apply` reports each applied command with its
// lists resolved, replaying that command on the state as it was gives the same
// state and the same command again ("replay = apply + a check that it applied as
// it did live"), a logged list that does not fit the state is NotAsLogged, and
// `well_formed` accepts exactly what the owner can produce.
#include "rollcall/domain/commands.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "rollcall/domain/attendance.hpp"
#include "tests/unit/domain/fixtures.hpp"

namespace rollcall::domain {
namespace {

using namespace fixtures;

class CommandsTest : public ::testing::Test {
 protected:
  CommandsTest() : cls_(kClass), info_(class_info()) {}

  // Runs `live` on the state and checks what recovery relies on: it applied, its
  // `logged` command is well formed, and applying that command to a copy of the state
  // as it was before gives the same outcome, the same state, and `logged` again.
  Outcome live_then_replay(const std::function<Outcome(ClassAttendance&)>& live) {
    const ClassAttendance before = cls_;
    const Outcome out = live(cls_);
    EXPECT_TRUE(out.applied()) << name(out.refusal) << " " << name(out.change);
    if (!out.logged) {
      ADD_FAILURE() << "nothing logged";
      return out;
    }
    EXPECT_TRUE(well_formed(*out.logged)) << name_of(*out.logged);
    ClassAttendance copy = before;
    const Outcome again = copy.apply(info_, *out.logged);
    EXPECT_TRUE(again.applied()) << name(again.refusal) << " " << name(again.change);
    EXPECT_EQ(again.logged, out.logged);
    EXPECT_EQ(again.session, out.session);
    EXPECT_EQ(again.created, out.created);
    EXPECT_EQ(full(again.records), full(out.records));
    EXPECT_EQ(full(again.events), full(out.events));
    EXPECT_EQ(state_of(copy), state_of(cls_));
    return out;
  }
  Outcome apply_then_replay(const Command& cmd) {
    return live_then_replay([&](ClassAttendance& c) { return c.apply(info_, cmd); });
  }
  SessionId open() { return apply_then_replay(open_cmd(kStart)).session; }

  ClassAttendance cls_;
  ClassInfo info_;
};

TEST_F(CommandsTest, OpenSessionIsLoggedAsGiven) {
  const OpenSession cmd = open_cmd(kStart, 7, "424242");
  const Outcome out = apply_then_replay(cmd);
  EXPECT_EQ(out.logged, std::optional<Command>(cmd));
  EXPECT_EQ(out.session, make_session_id(kClass, 1));
  EXPECT_EQ(cls_.session(out.session)->late_after_minutes, 7u);
  EXPECT_EQ(cls_.session(out.session)->verification_code, "424242");
}

TEST_F(CommandsTest, CheckInIsLoggedAsJudged) {
  const SessionId sid = open();
  // Live by code: the CheckIn counts now, without an op_id.
  const Outcome live = live_then_replay([&](ClassAttendance& c) {
    return c.attempt_check_in(info_, live_check_in(sid, kAlice, kStart + kMinute));
  });
  EXPECT_EQ(live.logged,
            std::optional<Command>(CheckIn{kClass, sid, kAlice, Method::VerificationCode,
                                           kStart + kMinute, kStart + kMinute, ""}));
  // Live by QR token.
  const Outcome by_qr = live_then_replay([&](ClassAttendance& c) {
    return c.attempt_check_in(info_, live_check_in(sid, kBob, kStart + 2 * kMinute, qr()));
  });
  EXPECT_EQ(by_qr.logged,
            std::optional<Command>(CheckIn{kClass, sid, kBob, Method::QrCode, kStart + 2 * kMinute,
                                           kStart + 2 * kMinute, ""}));
  // Offline: at client_time, with its op_id (replay remembers the op too).
  const Outcome offline = live_then_replay([&](ClassAttendance& c) {
    return c.attempt_check_in(info_, offline_check_in(sid, kCarol, kStart + 3 * kMinute, "op-c",
                                                      kStart + 9 * kMinute, kStart + 11 * kMinute));
  });
  EXPECT_EQ(offline.logged,
            std::optional<Command>(CheckIn{kClass, sid, kCarol, Method::VerificationCode,
                                           kStart + 3 * kMinute, kStart + 9 * kMinute, "op-c"}));
  // An earlier offline check-in moves Alice's time (an update).
  const Outcome earlier = live_then_replay([&](ClassAttendance& c) {
    return c.attempt_check_in(info_, offline_check_in(sid, kAlice, kStart + 10, "op-a",
                                                      kStart + 9 * kMinute, kStart + 11 * kMinute));
  });
  EXPECT_EQ(earlier.events.at(0).kind, Event::Kind::RecordChanged);
  // The CheckIn command applied directly logs itself.
  const CheckIn direct{
      kClass, sid, kBob, Method::VerificationCode, kStart + kMinute, kStart + 9 * kMinute, "op-b"};
  EXPECT_EQ(apply_then_replay(direct).logged, std::optional<Command>(direct));
}

TEST_F(CommandsTest, CheckInUnderAnOverrideIsLoggedAndReplays) {
  const SessionId sid = open();
  apply_then_replay(
      live_override(sid, kAlice, AttendanceStatus::Excused, "doctor", kStart).command);
  // An offline check-in puts its time underneath the override (a live one changes
  // nothing: AttendanceTest.ALiveCheckInUnderAnOverrideChangesNothing).
  const Outcome out = live_then_replay([&](ClassAttendance& c) {
    return c.attempt_check_in(info_, offline_check_in(sid, kAlice, kStart + 2 * kMinute, "a1",
                                                      kStart + 3 * kMinute, kStart + 5 * kMinute));
  });
  EXPECT_EQ(out.records.at(0).status, AttendanceStatus::Excused);
  EXPECT_EQ(out.records.at(0).check_in_time_ms, kStart + 2 * kMinute);
}

TEST_F(CommandsTest, OverrideIsLoggedAsGiven) {
  const SessionId sid = open();
  const Override live =
      live_override(sid, kAlice, AttendanceStatus::Excused, "doctor", kStart + kMinute).command;
  EXPECT_EQ(apply_then_replay(live).logged, std::optional<Command>(live));
  const OverrideAttempt offline =
      offline_override(sid, kBob, AttendanceStatus::Late, std::nullopt, kStart + 2 * kMinute,
                       "op-1", kStart + 5 * kMinute, kStart + 7 * kMinute);
  const Outcome out =
      live_then_replay([&](ClassAttendance& c) { return c.attempt_override(info_, offline); });
  EXPECT_EQ(out.logged, std::optional<Command>(offline.command));
  EXPECT_NE(cls_.applied_op(kTeacher, "op-1"), nullptr);
}

TEST_F(CommandsTest, BulkLogsTheStudentsMarkRemainingMarked) {
  const SessionId sid = open();
  apply_then_replay(CheckIn{kClass, sid, kAlice, Method::QrCode, kStart, kStart, ""});
  const Bulk cmd = bulk_cmd(sid, {{kBob, AttendanceStatus::Excused, std::string("trip")}},
                            AttendanceStatus::Absent, kStart + 10 * kMinute);
  ASSERT_FALSE(cmd.remaining.has_value());  // live: the owner's state decides
  const Outcome out = apply_then_replay(cmd);
  Bulk expected = cmd;
  expected.remaining = std::vector<UserId>{kCarol};
  EXPECT_EQ(out.logged, std::optional<Command>(expected));
  EXPECT_EQ(out.records.size(), 2u);
}

TEST_F(CommandsTest, BulkWithoutMarkRemainingLogsAnEmptyList) {
  const SessionId sid = open();
  const Bulk cmd = bulk_cmd(sid,
                            {{kCarol, AttendanceStatus::Absent, std::nullopt},
                             {kAlice, AttendanceStatus::Late, std::string("bus")}},
                            std::nullopt, kStart + 10 * kMinute);
  const Outcome out = apply_then_replay(cmd);
  Bulk expected = cmd;
  expected.remaining = std::vector<UserId>{};
  EXPECT_EQ(out.logged, std::optional<Command>(expected));
  EXPECT_EQ(cls_.session(sid)->record_of(kBob).status, AttendanceStatus::Unmarked);
}

TEST_F(CommandsTest, BulkLeavesOutAnItemThatLosesToALaterOfflineOverride) {
  const SessionId sid = open();
  const std::int64_t now = kStart + 10 * kMinute;
  // A phone whose clock is a minute ahead overrides Alice "after" the bulk call.
  apply_then_replay(offline_override(sid, kAlice, AttendanceStatus::Excused, "phone", now + kMinute,
                                     "p1", now, now + 2 * kMinute)
                        .command);
  const Bulk cmd = bulk_cmd(sid,
                            {{kAlice, AttendanceStatus::Absent, std::nullopt},
                             {kBob, AttendanceStatus::Present, std::nullopt}},
                            AttendanceStatus::Absent, now);
  const Outcome out = apply_then_replay(cmd);
  Bulk expected = cmd;
  expected.items = {{kBob, AttendanceStatus::Present, std::nullopt}};
  expected.remaining = std::vector<UserId>{kCarol};
  EXPECT_EQ(out.logged, std::optional<Command>(expected));
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].student, kBob);
  EXPECT_EQ(out.records[1].student, kCarol);
  EXPECT_EQ(cls_.session(sid)->record_of(kAlice).status, AttendanceStatus::Excused);
}

TEST_F(CommandsTest, CloseLogsTheStudentsItMarkedAbsent) {
  const SessionId sid = open();
  apply_then_replay(CheckIn{kClass, sid, kBob, Method::VerificationCode, kStart, kStart, ""});
  const CloseSession cmd = close_cmd(sid, kStart + 45 * kMinute);
  const Outcome out = apply_then_replay(cmd);
  CloseSession expected = cmd;
  expected.marked_absent = std::vector<UserId>{kAlice, kCarol};
  EXPECT_EQ(out.logged, std::optional<Command>(expected));
  EXPECT_EQ(out.events.at(0).marked_absent, 2u);
}

TEST_F(CommandsTest, CloseWithNobodyUnmarkedLogsAnEmptyList) {
  const SessionId sid = open();
  apply_then_replay(bulk_cmd(sid, {}, AttendanceStatus::Present, kStart + kMinute));
  const Outcome out = apply_then_replay(close_cmd(sid, kStart + 45 * kMinute));
  ASSERT_TRUE(out.logged.has_value());
  EXPECT_EQ(std::get<CloseSession>(*out.logged).marked_absent, std::vector<UserId>{});
  EXPECT_EQ(out.events.at(0).marked_absent, 0u);
}

TEST_F(CommandsTest, AnnounceJoinIsLoggedAsGiven) {
  open();
  const AnnounceJoin cmd{kClass, UserId{13}, kStart + kMinute};
  EXPECT_EQ(apply_then_replay(cmd).logged, std::optional<Command>(cmd));
}

TEST_F(CommandsTest, ALoggedListMarksExactlyThoseStudents) {
  // Replay marks the students the log lists, not whoever is unmarked at replay.
  const SessionId sid = open();
  const CloseSession close{kClass, sid, kTeacher, std::vector<UserId>{kBob}, kStart + kMinute};
  const Outcome out = apply_then_replay(close);
  EXPECT_EQ(out.logged, std::optional<Command>(close));
  const Session& s = *cls_.session(sid);
  EXPECT_FALSE(s.open);
  EXPECT_EQ(s.record_of(kBob).status, AttendanceStatus::Absent);
  EXPECT_EQ(s.record_of(kAlice).status, AttendanceStatus::Unmarked);
  EXPECT_EQ(s.record_of(kCarol).status, AttendanceStatus::Unmarked);

  Bulk bulk = bulk_cmd(sid, {}, AttendanceStatus::Excused, kStart + 2 * kMinute);
  bulk.remaining = std::vector<UserId>{kCarol};
  EXPECT_EQ(apply_then_replay(bulk).logged, std::optional<Command>(bulk));
  EXPECT_EQ(s.record_of(kCarol).status, AttendanceStatus::Excused);
  EXPECT_EQ(s.record_of(kAlice).status, AttendanceStatus::Unmarked);
}

TEST_F(CommandsTest, AWholeDayReplaysToTheSameState) {
  std::vector<Command> log;
  const auto keep = [&](const Outcome& out) {
    EXPECT_TRUE(out.applied());
    if (out.logged) log.push_back(*out.logged);
    return out;
  };
  const SessionId sid = keep(cls_.apply(info_, open_cmd(kStart))).session;
  keep(cls_.attempt_check_in(info_, live_check_in(sid, kAlice, kStart + 7 * kMinute)));
  keep(cls_.attempt_override(
      info_, live_override(sid, kBob, AttendanceStatus::Excused, "doctor", kStart + 8 * kMinute)));
  keep(
      cls_.attempt_check_in(info_, offline_check_in(sid, kBob, kStart + 9 * kMinute, "b1",
                                                    kStart + 10 * kMinute, kStart + 12 * kMinute)));
  keep(cls_.apply(info_, AnnounceJoin{kClass, UserId{13}, kStart + 9 * kMinute}));
  info_.students.push_back(UserId{13});
  keep(cls_.apply(info_, close_cmd(sid, kStart + 45 * kMinute)));
  keep(
      cls_.attempt_check_in(info_, offline_check_in(sid, kCarol, kStart + 2 * kMinute, "c1",
                                                    kStart + 50 * kMinute, kStart + 52 * kMinute)));
  keep(cls_.attempt_override(
      info_, offline_override(sid, kAlice, AttendanceStatus::Present, "bus", kStart + 40 * kMinute,
                              "t1", kStart + 50 * kMinute, kStart + 52 * kMinute)));
  const SessionId second = keep(cls_.apply(info_, open_cmd(kStart + 60 * kMinute))).session;
  keep(cls_.apply(info_, bulk_cmd(second, {{kAlice, AttendanceStatus::Late, std::nullopt}},
                                  AttendanceStatus::Present, kStart + 61 * kMinute)));
  ASSERT_EQ(log.size(), 10u);

  ClassInfo replay_info = class_info();
  ClassAttendance replayed(kClass);
  for (const Command& c : log) {
    EXPECT_TRUE(well_formed(c)) << name_of(c);
    // The class counts a student from its AnnounceJoin on, at replay as live.
    if (const auto* join = std::get_if<AnnounceJoin>(&c)) {
      replay_info.students.push_back(join->student);
    }
    const Outcome out = replayed.apply(replay_info, c);
    EXPECT_TRUE(out.applied()) << name_of(c) << ": " << name(out.refusal);
    EXPECT_EQ(out.logged, std::optional<Command>(c)) << name_of(c);
  }
  EXPECT_EQ(state_of(replayed), state_of(cls_));
}

// --- NotAsLogged ---------------------------------------------------------------

class NotAsLoggedTest : public CommandsTest {
 protected:
  NotAsLoggedTest() {
    sid_ = cls_.apply(info_, open_cmd(kStart)).session;
    EXPECT_TRUE(cls_.apply(info_, CheckIn{kClass, sid_, kAlice, Method::VerificationCode,
                                          kStart + kMinute, kStart + kMinute, ""})
                    .applied());
  }
  // `cmd` is refused as not logged from this state, and changes nothing.
  void expect_not_as_logged(const Command& cmd) {
    const auto before = state_of(cls_);
    const Outcome out = cls_.apply(info_, cmd);
    EXPECT_EQ(out.refusal, Refusal::NotAsLogged) << name(out.refusal);
    EXPECT_FALSE(out.logged.has_value());
    EXPECT_TRUE(out.events.empty());
    EXPECT_EQ(cls_.session(sid_)->audit.size(), 1u);
    EXPECT_EQ(state_of(cls_), before);
  }
  SessionId sid_;
};

TEST_F(NotAsLoggedTest, CloseThatNamesAStudentWhoIsNotUnmarked) {
  // Alice checked in: a close cannot have marked her absent.
  expect_not_as_logged(CloseSession{kClass, sid_, kTeacher, std::vector<UserId>{kAlice, kBob},
                                    kStart + 45 * kMinute});
  EXPECT_TRUE(cls_.session(sid_)->open);
}

TEST_F(NotAsLoggedTest, CloseThatNamesAStudentNotEnrolled) {
  expect_not_as_logged(CloseSession{kClass, sid_, kTeacher, std::vector<UserId>{kBob, kStranger},
                                    kStart + 45 * kMinute});
  EXPECT_TRUE(cls_.session(sid_)->open);
  EXPECT_NE(cls_.open_session(), nullptr);
}

TEST_F(NotAsLoggedTest, BulkWhoseRemainingNamesAStudentWhoIsNotUnmarked) {
  Bulk bulk = bulk_cmd(sid_, {}, AttendanceStatus::Absent, kStart + 10 * kMinute);
  bulk.remaining = std::vector<UserId>{kAlice, kBob, kCarol};
  expect_not_as_logged(bulk);
}

TEST_F(NotAsLoggedTest, BulkWhoseRemainingNamesAStudentNotEnrolled) {
  Bulk bulk = bulk_cmd(sid_, {}, AttendanceStatus::Absent, kStart + 10 * kMinute);
  bulk.remaining = std::vector<UserId>{kBob, kStranger};
  expect_not_as_logged(bulk);
}

TEST_F(NotAsLoggedTest, BulkWhoseRemainingNamesAStudentItAlsoUpdates) {
  // Live, a student named in the updates is never one of the "remaining".
  Bulk bulk = bulk_cmd(sid_, {{kBob, AttendanceStatus::Excused, std::nullopt}},
                       AttendanceStatus::Absent, kStart + 10 * kMinute);
  bulk.remaining = std::vector<UserId>{kBob, kCarol};
  expect_not_as_logged(bulk);
}

TEST_F(NotAsLoggedTest, BulkWithRemainingButNoStatusToMarkThemWith) {
  Bulk bulk = bulk_cmd(sid_, {{kBob, AttendanceStatus::Excused, std::nullopt}}, std::nullopt,
                       kStart + 10 * kMinute);
  bulk.remaining = std::vector<UserId>{kCarol};
  expect_not_as_logged(bulk);
}

// --- well_formed ---------------------------------------------------------------

TEST(WellFormed, AcceptsWhatTheOwnerLogs) {
  const SessionId sid = make_session_id(kClass, 1);
  EXPECT_TRUE(well_formed(open_cmd(kStart)));
  EXPECT_TRUE(well_formed(CheckIn{kClass, sid, kAlice, Method::QrCode, kStart, kStart, ""}));
  EXPECT_TRUE(well_formed(CheckIn{kClass, sid, kAlice, Method::VerificationCode, kStart, kStart,
                                  std::string(kOpIdBytesMax, 'o')}));
  EXPECT_TRUE(well_formed(Override{kClass, sid, kTeacher, kAlice, AttendanceStatus::Excused,
                                   std::string(kReasonBytesMax, 'r'), kStart, kStart,
                                   std::string(kOpIdBytesMax, 'o')}));
  EXPECT_TRUE(well_formed(Bulk{kClass,
                               sid,
                               kTeacher,
                               {{kAlice, AttendanceStatus::Absent, std::nullopt}},
                               std::nullopt,
                               std::vector<UserId>{},
                               kStart}));
  EXPECT_TRUE(well_formed(Bulk{kClass,
                               sid,
                               kTeacher,
                               {},
                               AttendanceStatus::Absent,
                               std::vector<UserId>{kAlice, kBob},
                               kStart}));
  EXPECT_TRUE(well_formed(
      CloseSession{kClass, sid, kTeacher, std::vector<UserId>{kAlice, kCarol}, kStart}));
  EXPECT_TRUE(well_formed(CloseSession{kClass, sid, kTeacher, std::vector<UserId>{}, kStart}));
  EXPECT_TRUE(well_formed(AnnounceJoin{kClass, kAlice, kStart}));
  EXPECT_TRUE(well_formed(Enroll{kAlice, kClass, 2}));
}

TEST(WellFormed, RefusesZeroIds) {
  const SessionId sid = make_session_id(kClass, 1);
  EXPECT_FALSE(well_formed(OpenSession{ClassId{}, kTeacher, 5, kCode, kStart}));
  EXPECT_FALSE(well_formed(OpenSession{kClass, UserId{}, 5, kCode, kStart}));
  EXPECT_FALSE(
      well_formed(CheckIn{kClass, SessionId{}, kAlice, Method::QrCode, kStart, kStart, ""}));
  EXPECT_FALSE(well_formed(CheckIn{kClass, sid, UserId{}, Method::QrCode, kStart, kStart, ""}));
  EXPECT_FALSE(well_formed(CheckIn{ClassId{}, sid, kAlice, Method::QrCode, kStart, kStart, ""}));
  EXPECT_FALSE(well_formed(Override{kClass, sid, UserId{}, kAlice, AttendanceStatus::Absent,
                                    std::nullopt, kStart, kStart, ""}));
  EXPECT_FALSE(well_formed(Override{kClass, sid, kTeacher, UserId{}, AttendanceStatus::Absent,
                                    std::nullopt, kStart, kStart, ""}));
  EXPECT_FALSE(
      well_formed(Bulk{kClass, sid, UserId{}, {}, std::nullopt, std::vector<UserId>{}, kStart}));
  EXPECT_FALSE(well_formed(Bulk{kClass,
                                sid,
                                kTeacher,
                                {{UserId{}, AttendanceStatus::Absent, std::nullopt}},
                                std::nullopt,
                                std::vector<UserId>{},
                                kStart}));
  EXPECT_FALSE(well_formed(CloseSession{kClass, sid, UserId{}, std::vector<UserId>{}, kStart}));
  EXPECT_FALSE(well_formed(
      CloseSession{kClass, sid, kTeacher, std::vector<UserId>{UserId{}, kAlice}, kStart}));
  EXPECT_FALSE(well_formed(AnnounceJoin{kClass, UserId{}, kStart}));
  EXPECT_FALSE(well_formed(AnnounceJoin{ClassId{}, kAlice, kStart}));
  EXPECT_FALSE(well_formed(Enroll{UserId{}, kClass, 2}));
  EXPECT_FALSE(well_formed(Enroll{kAlice, ClassId{}, 2}));
  EXPECT_FALSE(well_formed(Enroll{kAlice, kClass, 0}));
}

TEST(WellFormed, RefusesASessionOfAnotherClass) {
  const SessionId other = make_session_id(ClassId{5}, 1);
  EXPECT_FALSE(well_formed(CheckIn{kClass, other, kAlice, Method::QrCode, kStart, kStart, ""}));
  EXPECT_FALSE(well_formed(Override{kClass, other, kTeacher, kAlice, AttendanceStatus::Absent,
                                    std::nullopt, kStart, kStart, ""}));
  EXPECT_FALSE(
      well_formed(Bulk{kClass, other, kTeacher, {}, std::nullopt, std::vector<UserId>{}, kStart}));
  EXPECT_FALSE(well_formed(CloseSession{kClass, other, kTeacher, std::vector<UserId>{}, kStart}));
}

TEST(WellFormed, RefusesUnsettableStatusesAndMethods) {
  const SessionId sid = make_session_id(kClass, 1);
  const auto bogus = static_cast<AttendanceStatus>(9);
  for (const AttendanceStatus s : {AttendanceStatus::Unmarked, bogus}) {
    EXPECT_FALSE(
        well_formed(Override{kClass, sid, kTeacher, kAlice, s, std::nullopt, kStart, kStart, ""}));
    EXPECT_FALSE(well_formed(Bulk{kClass,
                                  sid,
                                  kTeacher,
                                  {{kAlice, s, std::nullopt}},
                                  std::nullopt,
                                  std::vector<UserId>{},
                                  kStart}));
    EXPECT_FALSE(
        well_formed(Bulk{kClass, sid, kTeacher, {}, s, std::vector<UserId>{kAlice}, kStart}));
  }
  // A check-in is by code or QR token, nothing else.
  for (const Method m :
       {Method::None, Method::TeacherOverride, Method::Bulk, Method::SessionClose}) {
    EXPECT_FALSE(well_formed(CheckIn{kClass, sid, kAlice, m, kStart, kStart, ""}));
  }
}

TEST(WellFormed, RefusesOverLongStrings) {
  const SessionId sid = make_session_id(kClass, 1);
  const std::string long_op(kOpIdBytesMax + 1, 'o');
  const std::string long_reason(kReasonBytesMax + 1, 'r');
  EXPECT_FALSE(well_formed(CheckIn{kClass, sid, kAlice, Method::QrCode, kStart, kStart, long_op}));
  EXPECT_FALSE(well_formed(Override{kClass, sid, kTeacher, kAlice, AttendanceStatus::Absent,
                                    std::nullopt, kStart, kStart, long_op}));
  EXPECT_FALSE(well_formed(Override{kClass, sid, kTeacher, kAlice, AttendanceStatus::Absent,
                                    long_reason, kStart, kStart, ""}));
  EXPECT_FALSE(well_formed(Bulk{kClass,
                                sid,
                                kTeacher,
                                {{kAlice, AttendanceStatus::Absent, long_reason}},
                                std::nullopt,
                                std::vector<UserId>{},
                                kStart}));
  EXPECT_FALSE(well_formed(OpenSession{kClass, kTeacher, 5, std::string(65, '1'), kStart}));
}

TEST(WellFormed, RefusesStudentListsThatAreAbsentUnsortedOrRepeat) {
  const SessionId sid = make_session_id(kClass, 1);
  const auto close = [&](std::optional<std::vector<UserId>> ids) {
    return well_formed(CloseSession{kClass, sid, kTeacher, std::move(ids), kStart});
  };
  const auto bulk = [&](std::optional<std::vector<UserId>> ids) {
    return well_formed(
        Bulk{kClass, sid, kTeacher, {}, AttendanceStatus::Absent, std::move(ids), kStart});
  };
  for (const auto& check : {std::function<bool(std::optional<std::vector<UserId>>)>(close),
                            std::function<bool(std::optional<std::vector<UserId>>)>(bulk)}) {
    EXPECT_TRUE(check(std::vector<UserId>{kAlice, kBob}));
    EXPECT_FALSE(check(std::nullopt));                             // absent
    EXPECT_FALSE(check(std::vector<UserId>{kBob, kAlice}));        // unsorted
    EXPECT_FALSE(check(std::vector<UserId>{kAlice, kAlice}));      // duplicate
    EXPECT_FALSE(check(std::vector<UserId>{kAlice, kBob, kBob}));  // duplicate at the end
  }
}

TEST(WellFormed, RefusesABulkWithRemainingStudentsButNoMarkRemaining) {
  const SessionId sid = make_session_id(kClass, 1);
  EXPECT_FALSE(well_formed(
      Bulk{kClass, sid, kTeacher, {}, std::nullopt, std::vector<UserId>{kAlice}, kStart}));
  EXPECT_TRUE(
      well_formed(Bulk{kClass, sid, kTeacher, {}, std::nullopt, std::vector<UserId>{}, kStart}));
}

}  // namespace
}  // namespace rollcall::domain

// What offline sync may make the server do (API.md §6 rule 2, issue 19 items 4 and
// 5): what it applies is marked offline, a student's check-in changes through sync
// at most kSyncChangesMax times, ops too long after their client_time are refused,
// and an op that changes nothing visible adds no version, audit entry or event.
#include <gtest/gtest.h>

#include "rollcall/domain/attendance.hpp"
#include "tests/unit/domain/fixtures.hpp"

namespace rollcall::domain {
namespace {

using namespace fixtures;

constexpr std::int64_t kNow = kStart + 90 * kMinute;
constexpr std::int64_t kLatest = kNow + 2 * kMinute;
constexpr std::int64_t kEarliest = kNow - 24 * 60 * kMinute;  // a day, the default

class SyncBoundsTest : public ::testing::Test {
 protected:
  SyncBoundsTest() : cls_(kClass), info_(class_info()) {
    sid_ = cls_.apply(info_, open_cmd(kStart)).session;
  }
  Outcome sync_check_in(UserId student, std::int64_t at, std::string op,
                        std::int64_t earliest = kEarliest) {
    CheckInAttempt a = offline_check_in(sid_, student, at, std::move(op), kNow, kLatest);
    a.earliest_ms = earliest;
    return cls_.attempt_check_in(info_, a);
  }
  Outcome sync_override(UserId student, AttendanceStatus status, std::int64_t at, std::string op,
                        std::optional<std::string> reason = "bus",
                        std::int64_t earliest = kEarliest) {
    OverrideAttempt a = offline_override(sid_, student, status, std::move(reason), at,
                                         std::move(op), kNow, kLatest);
    a.earliest_ms = earliest;
    return cls_.attempt_override(info_, a);
  }
  const Session& session() { return *cls_.session(sid_); }
  const Record& record(UserId s) { return session().records.at(s); }

  ClassAttendance cls_;
  ClassInfo info_;
  SessionId sid_;
};

TEST_F(SyncBoundsTest, WhatSyncAppliesIsMarkedOfflineAndWhatRestAppliesIsNot) {
  ASSERT_TRUE(sync_check_in(kAlice, kStart + kMinute, "a").applied());
  EXPECT_TRUE(record(kAlice).offline);
  EXPECT_EQ(record(kAlice).timestamp_ms, kNow);  // synced_at: when the server received it
  EXPECT_TRUE(session().audit.back().offline);
  ASSERT_TRUE(
      cls_.attempt_check_in(info_, live_check_in(sid_, kBob, kStart + 2 * kMinute)).applied());
  EXPECT_FALSE(record(kBob).offline);
  EXPECT_FALSE(session().audit.back().offline);
  // A REST override after a synced check-in is a live version again...
  ASSERT_TRUE(cls_.attempt_override(info_, live_override(sid_, kAlice, AttendanceStatus::Excused,
                                                         "doctor", kNow + 1))
                  .applied());
  EXPECT_FALSE(record(kAlice).offline);
  // ...and a synced override of Bob's live check-in an offline one.
  ASSERT_TRUE(sync_override(kBob, AttendanceStatus::Late, kStart + 3 * kMinute, "t").applied());
  EXPECT_TRUE(record(kBob).offline);
  EXPECT_TRUE(session().audit.back().offline);
}

TEST_F(SyncBoundsTest, AStudentsCheckInChangesThroughSyncAtMostThreeTimes) {
  // client_time stepping back 1 ms each: every op would make the record earlier.
  const std::int64_t first = kStart + 20 * kMinute;
  for (std::uint32_t i = 0; i < kSyncChangesMax; ++i) {
    const Outcome out = sync_check_in(kAlice, first - i, "s" + std::to_string(i));
    ASSERT_TRUE(out.applied()) << i;
    EXPECT_EQ(out.events.size(), 1u);
  }
  EXPECT_EQ(record(kAlice).sync_changes, kSyncChangesMax);
  const std::size_t audit = session().audit.size();
  const Record before = record(kAlice);
  for (int i = 0; i < 100; ++i) {
    const Outcome out = sync_check_in(kAlice, first - 3 - i, "more" + std::to_string(i));
    EXPECT_EQ(out.refusal, Refusal::TooManyChanges);
    EXPECT_TRUE(out.events.empty());
    EXPECT_FALSE(out.logged.has_value());
  }
  EXPECT_EQ(session().audit.size(), audit);
  EXPECT_EQ(record(kAlice).check_in_time_ms, first - 2);
  EXPECT_EQ(record(kAlice).timestamp_ms, before.timestamp_ms);
  // Refused ops are not remembered; applied ones still answer duplicate; an op that
  // would change nothing is superseded, not refused.
  EXPECT_EQ(cls_.applied_op(kAlice, "more0"), nullptr);
  EXPECT_EQ(sync_check_in(kAlice, first, "s0").change, Change::Duplicate);
  const Outcome later = sync_check_in(kAlice, first + 1, "later");
  EXPECT_EQ(later.refusal, Refusal::None);
  EXPECT_EQ(later.change, Change::Unchanged);
  // The bound is per student and session: Bob is not affected; a live check-in
  // is not counted.
  ASSERT_TRUE(
      cls_.attempt_check_in(info_, live_check_in(sid_, kBob, kStart + 30 * kMinute)).applied());
  EXPECT_EQ(record(kBob).sync_changes, 0u);
  for (std::uint32_t i = 0; i < kSyncChangesMax; ++i) {
    EXPECT_TRUE(sync_check_in(kBob, first - i, "b" + std::to_string(i)).applied()) << i;
  }
  EXPECT_EQ(sync_check_in(kBob, kStart, "b-more").refusal, Refusal::TooManyChanges);
}

TEST_F(SyncBoundsTest, OtherChangesKeepTheCountAndReplayIsNotBounded) {
  for (std::uint32_t i = 0; i < kSyncChangesMax; ++i) {
    ASSERT_TRUE(sync_check_in(kAlice, kStart + 9 * kMinute - i, "s" + std::to_string(i)).applied());
  }
  // A teacher's decision on top keeps the count (the record is rewritten, the count
  // is the student's).
  ASSERT_TRUE(cls_.attempt_override(info_, live_override(sid_, kAlice, AttendanceStatus::Excused,
                                                         std::nullopt, kNow))
                  .applied());
  EXPECT_EQ(record(kAlice).sync_changes, kSyncChangesMax);
  EXPECT_EQ(sync_check_in(kAlice, kStart + kMinute, "under").refusal, Refusal::TooManyChanges);
  // Replay (apply of a logged command) re-applies what was accepted, whatever the
  // count: logs written before the bound hold such sequences.
  const Outcome replayed = cls_.apply(info_, CheckIn{kClass, sid_, kAlice, Method::VerificationCode,
                                                     kStart + kMinute, kNow, "old"});
  EXPECT_TRUE(replayed.applied());
  EXPECT_EQ(record(kAlice).sync_changes, kSyncChangesMax + 1);
}

TEST_F(SyncBoundsTest, OpsTooLongAfterTheirClientTimeAreRefused) {
  const std::int64_t earliest = kNow - 60'000;  // --sync-max-offline-s 60
  const Outcome old = sync_check_in(kAlice, earliest - 1, "old", earliest);
  EXPECT_EQ(old.refusal, Refusal::OfflineTooOld);
  EXPECT_EQ(session().records.count(kAlice), 0u);
  EXPECT_EQ(cls_.applied_op(kAlice, "old"), nullptr);
  EXPECT_TRUE(sync_check_in(kAlice, earliest, "edge", earliest).applied());
  // Overrides alike.
  EXPECT_EQ(
      sync_override(kBob, AttendanceStatus::Absent, earliest - 1, "t-old", "x", earliest).refusal,
      Refusal::OfflineTooOld);
  EXPECT_TRUE(
      sync_override(kBob, AttendanceStatus::Absent, earliest, "t-edge", "x", earliest).applied());
  // A retry of an op that applied stays a duplicate, however late it comes.
  const std::int64_t much_later = kNow + 600'000;
  EXPECT_EQ(sync_check_in(kAlice, earliest, "edge", much_later).change, Change::Duplicate);
  EXPECT_EQ(
      sync_override(kBob, AttendanceStatus::Absent, earliest, "t-edge", "x", much_later).change,
      Change::Duplicate);
  // REST attempts carry no lower bound.
  EXPECT_TRUE(cls_.attempt_check_in(info_, live_check_in(sid_, kCarol, kNow)).applied());
}

TEST_F(SyncBoundsTest, AnOverrideThatChangesNothingVisibleAddsNoVersionAuditOrEvent) {
  std::vector<Command> log{open_cmd(kStart)};
  const auto logged = [&](Outcome out) {
    if (out.logged) log.push_back(*out.logged);
    return out;
  };
  ASSERT_TRUE(
      logged(sync_override(kAlice, AttendanceStatus::Excused, kStart + kMinute, "t1")).applied());
  const Record shown = record(kAlice);
  const std::size_t audit = session().audit.size();
  // The same decision made later, from another op: it wins the merge...
  const Outcome same =
      logged(sync_override(kAlice, AttendanceStatus::Excused, kStart + 5 * kMinute, "t2"));
  ASSERT_TRUE(same.applied());
  EXPECT_TRUE(same.events.empty());                            // ...but publishes nothing,
  EXPECT_EQ(session().audit.size(), audit);                    // records nothing,
  EXPECT_EQ(record(kAlice).timestamp_ms, shown.timestamp_ms);  // shows the same version,
  EXPECT_TRUE(same.logged.has_value());  // and the log keeps what decides later merges.
  EXPECT_EQ(record(kAlice).override_at_ms, kStart + 5 * kMinute);
  EXPECT_NE(cls_.applied_op(kTeacher, "t2"), nullptr);
  // So an override made between the two loses, as it would had t2 come first.
  EXPECT_EQ(
      logged(sync_override(kAlice, AttendanceStatus::Absent, kStart + 3 * kMinute, "t3")).change,
      Change::Unchanged);
  // A visible change still publishes.
  const Outcome reason = logged(sync_override(kAlice, AttendanceStatus::Excused,
                                              kStart + 6 * kMinute, "t4", std::string("train")));
  ASSERT_TRUE(reason.applied());
  EXPECT_EQ(reason.events.size(), 1u);
  EXPECT_EQ(session().audit.size(), audit + 1);
  // Replaying the log gives the same state (the invisible change included) and the
  // same events, so a restart re-publishes nothing it did not publish live.
  ClassAttendance replayed(kClass);
  std::vector<std::size_t> events;
  for (const Command& c : log) {
    const Outcome out = replayed.apply(info_, c);
    ASSERT_TRUE(out.applied()) << name_of(c);
    events.push_back(out.events.size());
  }
  EXPECT_EQ(events, (std::vector<std::size_t>{1, 1, 0, 1}));
  EXPECT_EQ(state_of(replayed), state_of(cls_));
}

}  // namespace
}  // namespace rollcall::domain

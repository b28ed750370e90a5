// The bound on a teacher's synced overrides (docs/api.md "Bounds"): synced overrides
// change one student's record in one session at most kOverrideSyncChangesMax times,
// counted apart from the student's own synced check-ins; live overrides are not
// counted; replay (apply of a logged command) is not bounded.
#include <gtest/gtest.h>

#include "rollcall/domain/attendance.hpp"
#include "tests/unit/domain/fixtures.hpp"

namespace rollcall::domain {
namespace {

using namespace fixtures;

constexpr std::int64_t kNow = kStart + 90 * kMinute;
constexpr std::int64_t kLatest = kNow + 2 * kMinute;
constexpr AttendanceStatus kStatuses[] = {AttendanceStatus::Excused, AttendanceStatus::Absent};

class OverrideSyncBoundsTest : public ::testing::Test {
 protected:
  OverrideSyncBoundsTest() : cls_(kClass), info_(class_info()) {
    sid_ = cls_.apply(info_, open_cmd(kStart)).session;
  }
  // A synced override; what applies is kept as the log would keep it.
  Outcome sync_override(UserId student, AttendanceStatus status, std::int64_t at, std::string op) {
    Outcome out = cls_.attempt_override(
        info_, offline_override(sid_, student, status, "bus", at, std::move(op), kNow, kLatest));
    if (out.logged) log_.push_back(*out.logged);
    return out;
  }
  // kOverrideSyncChangesMax synced overrides of `student`, client_time stepping
  // forward 1 ms from `first`, the status alternating (every other one shows
  // nothing new: the same status, a later time; it counts all the same).
  void reach_the_cap(UserId student, std::int64_t first, const std::string& prefix) {
    for (std::uint32_t i = 0; i < kOverrideSyncChangesMax; ++i) {
      const AttendanceStatus status = kStatuses[(i / 2) % 2];
      const Outcome out = sync_override(student, status, first + i, prefix + std::to_string(i));
      ASSERT_TRUE(out.applied()) << i << " " << name(out.refusal);
    }
    ASSERT_EQ(record(student).override_sync_changes, kOverrideSyncChangesMax);
  }
  Outcome live(UserId student, AttendanceStatus status, std::int64_t now) {
    Outcome out = cls_.attempt_override(info_, live_override(sid_, student, status, "desk", now));
    if (out.logged) log_.push_back(*out.logged);
    return out;
  }
  const Session& session() { return *cls_.session(sid_); }
  const Record& record(UserId s) { return session().records.at(s); }

  ClassAttendance cls_;
  ClassInfo info_;
  SessionId sid_;
  std::vector<Command> log_{open_cmd(kStart)};
};

TEST_F(OverrideSyncBoundsTest, TheEleventhSyncedOverrideIsRejected) {
  const std::int64_t first = kStart + 10 * kMinute;
  reach_the_cap(kAlice, first, "t");
  const Record before = record(kAlice);
  const std::size_t audit = session().audit.size();
  for (int i = 0; i < 100; ++i) {
    const Outcome out =
        sync_override(kAlice, kStatuses[i % 2], first + 100 + i, "more" + std::to_string(i));
    EXPECT_EQ(out.refusal, Refusal::TooManyOverrides) << i << " " << name(out.refusal);
    EXPECT_FALSE(out.logged.has_value());
    EXPECT_TRUE(out.events.empty());
  }
  // Nothing changed, nothing was remembered, nothing went to the log.
  EXPECT_EQ(full(record(kAlice)), full(before));
  EXPECT_EQ(session().audit.size(), audit);
  EXPECT_EQ(cls_.applied_op(kTeacher, "more0"), nullptr);
  EXPECT_EQ(cls_.applied_ops().size(), kOverrideSyncChangesMax);
  EXPECT_EQ(log_.size(), 1 + kOverrideSyncChangesMax);
  // The bound is per student (and session): Bob's record is not affected.
  EXPECT_TRUE(sync_override(kBob, AttendanceStatus::Late, first, "bob").applied());
  EXPECT_EQ(record(kBob).override_sync_changes, 1u);
}

TEST_F(OverrideSyncBoundsTest, DuplicatesAndLosersAreAnsweredAsBeforeTheCap) {
  const std::int64_t first = kStart + 10 * kMinute;
  reach_the_cap(kAlice, first, "t");
  // A retry of an applied op is a duplicate, with the record as it is now...
  const Outcome retry = sync_override(kAlice, kStatuses[0], first, "t0");
  EXPECT_EQ(retry.refusal, Refusal::None);
  EXPECT_EQ(retry.change, Change::Duplicate);
  ASSERT_EQ(retry.records.size(), 1u);
  EXPECT_EQ(full(retry.records[0]), full(record(kAlice)));
  // ...and an op that loses to the standing override is superseded: neither changes
  // the record, so neither meets the bound.
  const Outcome older = sync_override(kAlice, AttendanceStatus::Late, first - 1, "older");
  EXPECT_EQ(older.refusal, Refusal::None);
  EXPECT_EQ(older.change, Change::Unchanged);
  EXPECT_EQ(record(kAlice).override_sync_changes, kOverrideSyncChangesMax);
}

TEST_F(OverrideSyncBoundsTest, LiveOverridesStillApplyAndAreNotCounted) {
  const std::int64_t first = kStart + 10 * kMinute;
  // Live overrides before the synced ones do not count toward the bound...
  ASSERT_TRUE(live(kAlice, AttendanceStatus::Late, kStart + kMinute).applied());
  EXPECT_EQ(record(kAlice).override_sync_changes, 0u);
  reach_the_cap(kAlice, first, "t");
  // ...and after the cap a live override (made now, after the synced ones) applies.
  const Outcome after = live(kAlice, AttendanceStatus::Present, kNow);
  ASSERT_TRUE(after.applied()) << name(after.refusal);
  EXPECT_EQ(record(kAlice).status, AttendanceStatus::Present);
  EXPECT_FALSE(record(kAlice).offline);
  ASSERT_TRUE(cls_.apply(info_, bulk_cmd(sid_, {{kAlice, AttendanceStatus::Late, std::nullopt}},
                                         std::nullopt, kNow + 1))
                  .applied());
  // Neither resets the count: a synced override made later still meets the bound.
  EXPECT_EQ(record(kAlice).override_sync_changes, kOverrideSyncChangesMax);
  EXPECT_EQ(sync_override(kAlice, AttendanceStatus::Excused, kNow + 2, "late").refusal,
            Refusal::TooManyOverrides);
}

TEST_F(OverrideSyncBoundsTest, TheStudentsCountAndTheTeachersAreIndependent) {
  // Alice used all her synced check-ins: her teacher's synced overrides still apply.
  for (std::uint32_t i = 0; i < kSyncChangesMax; ++i) {
    ASSERT_TRUE(
        cls_.attempt_check_in(info_, offline_check_in(sid_, kAlice, kStart + 9 * kMinute - i,
                                                      "s" + std::to_string(i), kNow, kLatest))
            .applied());
  }
  ASSERT_EQ(record(kAlice).sync_changes, kSyncChangesMax);
  reach_the_cap(kAlice, kStart + 10 * kMinute, "t");
  EXPECT_EQ(record(kAlice).sync_changes, kSyncChangesMax);
  // Bob's teacher used all the synced overrides: Bob's synced check-in still applies
  // (its time goes under the override), counted as his, not the teacher's.
  reach_the_cap(kBob, kStart + 10 * kMinute, "u");
  const Outcome bob = cls_.attempt_check_in(
      info_, offline_check_in(sid_, kBob, kStart + kMinute, "b", kNow, kLatest));
  ASSERT_TRUE(bob.applied()) << name(bob.refusal);
  EXPECT_EQ(record(kBob).sync_changes, 1u);
  EXPECT_EQ(record(kBob).override_sync_changes, kOverrideSyncChangesMax);
  EXPECT_EQ(record(kBob).check_in_time_ms, kStart + kMinute);
}

TEST_F(OverrideSyncBoundsTest, ReplayIsNotBoundedAndRebuildsTheCount) {
  reach_the_cap(kAlice, kStart + 10 * kMinute, "t");
  ASSERT_TRUE(live(kAlice, AttendanceStatus::Late, kNow).applied());
  // Replaying the log gives the same state, the count included.
  ClassAttendance replayed(kClass);
  for (const Command& c : log_) ASSERT_TRUE(replayed.apply(info_, c).applied()) << name_of(c);
  EXPECT_EQ(state_of(replayed), state_of(cls_));
  // Replay (apply of a logged command) re-applies what was accepted whatever the
  // count: logs written before the bound hold such sequences.
  const Override old{kClass,       sid_,           kTeacher, kAlice, AttendanceStatus::Absent,
                     std::nullopt, kNow + kMinute, kNow,     "old"};
  const Outcome out = replayed.apply(info_, old);
  ASSERT_TRUE(out.applied()) << name(out.refusal);
  EXPECT_EQ(replayed.session(sid_)->records.at(kAlice).override_sync_changes,
            kOverrideSyncChangesMax + 1);
  EXPECT_NE(replayed.applied_op(kTeacher, "old"), nullptr);
}

}  // namespace
}  // namespace rollcall::domain

#include "rollcall/wal/snapshot.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "rollcall/wal/crc32c.hpp"

namespace rollcall::wal {
namespace {

using namespace rollcall::domain;

constexpr std::int64_t kStart = 1'795'334'400'000;  // 2026-11-22T08:00:00Z
constexpr std::int64_t kMinute = 60'000;
const UserId kTeacher{2};
const UserId kAlice{10}, kBob{11}, kCarol{12}, kDan{13};

ClassInfo class_info(ClassId id) {
  ClassInfo c;
  c.id = id;
  c.name = "class " + std::to_string(id.value);
  c.teachers = {kTeacher};
  c.students = {kAlice, kBob, kCarol, kDan};
  return c;
}

// The domain commands, applied as the owner applies them live (times and codes
// resolved; the students a close or "mark remaining" marks left to the state).
Outcome open_session(ClassAttendance& c, std::uint32_t late_after, std::string code,
                     std::int64_t now) {
  return c.apply(class_info(c.id()),
                 OpenSession{c.id(), kTeacher, late_after, std::move(code), now});
}
Outcome check_in(ClassAttendance& c, SessionId s, UserId student, Method method, std::int64_t at,
                 std::int64_t now, std::string op_id = "") {
  return c.apply(class_info(c.id()),
                 CheckIn{c.id(), s, student, method, at, now, std::move(op_id)});
}
Outcome override_record(ClassAttendance& c, SessionId s, UserId student, AttendanceStatus status,
                        std::optional<std::string> reason, std::int64_t at, std::int64_t now,
                        std::string op_id = "") {
  return c.apply(class_info(c.id()), Override{c.id(), s, kTeacher, student, status,
                                              std::move(reason), at, now, std::move(op_id)});
}
Outcome bulk(ClassAttendance& c, SessionId s, std::vector<BulkItem> items,
             std::optional<AttendanceStatus> mark_remaining, std::int64_t now) {
  return c.apply(class_info(c.id()),
                 Bulk{c.id(), s, kTeacher, std::move(items), mark_remaining, std::nullopt, now});
}
Outcome close_session(ClassAttendance& c, SessionId s, std::int64_t now) {
  return c.apply(class_info(c.id()), CloseSession{c.id(), s, kTeacher, std::nullopt, now});
}

// A class with history, built only through the domain's commands: a closed session
// with check-ins, an override, a bulk and the close's absences; then an open one.
ClassAttendance busy_class(ClassId id) {
  ClassAttendance c(id);
  const Outcome opened = open_session(c, 5, "123456", kStart);
  EXPECT_TRUE(opened.applied());
  const SessionId s1 = opened.session;
  EXPECT_TRUE(check_in(c, s1, kAlice, Method::VerificationCode, kStart + kMinute, kStart + kMinute)
                  .applied());
  EXPECT_TRUE(check_in(c, s1, kBob, Method::QrCode, kStart + 9 * kMinute, kStart + 9 * kMinute + 3)
                  .applied());
  EXPECT_TRUE(override_record(c, s1, kBob, AttendanceStatus::Excused,
                              std::string("Arzt – 医者 🩺"), kStart + 20 * kMinute,
                              kStart + 20 * kMinute)
                  .applied());
  EXPECT_TRUE(bulk(c, s1,
                   {{kCarol, AttendanceStatus::Late, std::nullopt},
                    {kAlice, AttendanceStatus::Present, std::string()}},
                   std::nullopt, kStart + 30 * kMinute)
                  .applied());
  const Outcome closed = close_session(c, s1, kStart + 60 * kMinute);  // Dan: absent
  EXPECT_TRUE(closed.applied());
  EXPECT_EQ(closed.records.size(), 1u);

  const Outcome opened2 = open_session(c, 10, "", kStart + 24 * 60 * kMinute);
  EXPECT_TRUE(opened2.applied());
  const SessionId s2 = opened2.session;
  EXPECT_TRUE(check_in(c, s2, kDan, Method::QrCode, kStart + 24 * 60 * kMinute + 11 * kMinute,
                       kStart + 24 * 60 * kMinute + 11 * kMinute)
                  .applied());
  EXPECT_TRUE(override_record(c, s2, kAlice, AttendanceStatus::Absent, std::nullopt,
                              kStart + 25 * 60 * kMinute, kStart + 25 * 60 * kMinute)
                  .applied());
  // Synced into the closed session: an offline version (and audit entry), a sync
  // count, replacing Dan's absence.
  EXPECT_TRUE(check_in(c, s1, kDan, Method::VerificationCode, kStart + 30 * kMinute,
                       kStart + 26 * 60 * kMinute, "phone-d")
                  .applied());
  // And a synced correction of Alice's bulk mark there: a synced override count.
  EXPECT_TRUE(override_record(c, s1, kAlice, AttendanceStatus::Excused, std::string("fog"),
                              kStart + 40 * kMinute, kStart + 26 * 60 * kMinute, "tablet-a")
                  .applied());
  EXPECT_EQ(c.session(s1)->records.at(kAlice).override_sync_changes, 1u);
  return c;
}

// Closed sessions only.
ClassAttendance quiet_class(ClassId id) {
  ClassAttendance c(id);
  for (int i = 0; i < 3; ++i) {
    const Outcome opened = open_session(c, 0, "000000", kStart + i * kMinute);
    EXPECT_TRUE(opened.applied());
    const SessionId s = opened.session;
    EXPECT_TRUE(bulk(c, s, {}, AttendanceStatus::Present, kStart + i * kMinute + 1).applied());
    EXPECT_TRUE(close_session(c, s, kStart + i * kMinute + 2).applied());
  }
  return c;
}

void expect_same(const domain::Record& a, const domain::Record& b) {
  EXPECT_EQ(a.student, b.student);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.check_in_time_ms, b.check_in_time_ms);
  EXPECT_EQ(a.is_late, b.is_late);
  EXPECT_EQ(a.late_minutes, b.late_minutes);
  EXPECT_EQ(a.is_manual_override, b.is_manual_override);
  EXPECT_EQ(a.override_reason, b.override_reason);
  EXPECT_EQ(a.timestamp_ms, b.timestamp_ms);
  EXPECT_EQ(a.override_at_ms, b.override_at_ms);
  EXPECT_EQ(a.override_op, b.override_op);
  EXPECT_EQ(a.offline, b.offline);
  EXPECT_EQ(a.sync_changes, b.sync_changes);
  EXPECT_EQ(a.override_sync_changes, b.override_sync_changes);
}

void expect_same(const ClassAttendance& want, const ClassAttendance& got) {
  EXPECT_EQ(want.id(), got.id());
  ASSERT_EQ(want.sessions().size(), got.sessions().size());
  for (std::size_t i = 0; i < want.sessions().size(); ++i) {
    const Session& a = want.sessions()[i];
    const Session& b = got.sessions()[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.class_id, b.class_id);
    EXPECT_EQ(a.open, b.open);
    EXPECT_EQ(a.starts_at_ms, b.starts_at_ms);
    EXPECT_EQ(a.closed_at_ms, b.closed_at_ms);
    EXPECT_EQ(a.late_after_minutes, b.late_after_minutes);
    EXPECT_EQ(a.verification_code, b.verification_code);
    EXPECT_EQ(a.code_seed, b.code_seed);
    EXPECT_EQ(a.code_rotation_s, b.code_rotation_s);
    ASSERT_EQ(a.records.size(), b.records.size());
    for (const auto& [student, rec] : a.records) {
      const auto it = b.records.find(student);
      ASSERT_NE(it, b.records.end());
      EXPECT_EQ(it->first, it->second.student);
      expect_same(rec, it->second);
    }
    ASSERT_EQ(a.audit.size(), b.audit.size());
    for (std::size_t k = 0; k < a.audit.size(); ++k) {
      EXPECT_EQ(a.audit[k].at_ms, b.audit[k].at_ms);
      EXPECT_EQ(a.audit[k].actor, b.audit[k].actor);
      EXPECT_EQ(a.audit[k].student, b.audit[k].student);
      EXPECT_EQ(a.audit[k].from, b.audit[k].from);
      EXPECT_EQ(a.audit[k].to, b.audit[k].to);
      EXPECT_EQ(a.audit[k].method, b.audit[k].method);
      EXPECT_EQ(a.audit[k].reason, b.audit[k].reason);
      EXPECT_EQ(a.audit[k].offline, b.audit[k].offline);
    }
  }
  // The restored object is live: its open session is one of its own sessions.
  if (want.open_session() == nullptr) {
    EXPECT_EQ(got.open_session(), nullptr);
  } else {
    ASSERT_NE(got.open_session(), nullptr);
    EXPECT_EQ(got.open_session()->id, want.open_session()->id);
    EXPECT_EQ(got.open_session(), got.session(want.open_session()->id));
  }
}

// "p0", "p1", ...: built by appending (GCC 12 warns, wrongly, of overlapping copies
// in `"p" + std::to_string(i)` where it inlines that here: its -Wrestrict bug 105651).
std::string numbered(const char* prefix, int i) {
  std::string id = prefix;
  id += std::to_string(i);
  return id;
}

void fix_crc(std::string& bytes) {
  const std::uint32_t crc = crc32c(bytes.data(), bytes.size() - 4);
  std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
}

class SnapshotTest : public ::testing::Test {
 protected:
  SnapshotTest()
      : busy_(busy_class(ClassId{4})),
        empty_(ClassId{77}),
        quiet_(quiet_class(ClassId{kClassIdMax})) {}
  std::string encoded() const { return encode_snapshot(header_, {&busy_, &empty_, &quiet_}); }

  SnapshotHeader header_{5, 0xABCDEF0123ull, 123456};
  ClassAttendance busy_, empty_, quiet_;
};

// Offsets in encoded(): header 36 bytes, then class 4's id (8) and session count (4),
// then its first session.
constexpr std::size_t kClassCountAt = 32;
constexpr std::size_t kFirstSessionAt = 36 + 8 + 4;
constexpr std::size_t kFirstOpenFlagAt = kFirstSessionAt + 8;
constexpr std::size_t kFirstClosedAtAt = kFirstOpenFlagAt + 1 + 8;

TEST_F(SnapshotTest, RoundTripsEveryField) {
  ASSERT_NE(busy_.open_session(), nullptr);
  const std::string bytes = encoded();
  EXPECT_EQ(bytes.substr(0, 8), "RCALSNAP");
  Result<DecodedSnapshot> got = decode_snapshot(bytes);
  ASSERT_TRUE(got.ok()) << got.error();
  EXPECT_EQ(got->header.shard, 5u);
  EXPECT_EQ(got->header.generation, 0xABCDEF0123ull);
  EXPECT_EQ(got->header.covered_lsn, 123456u);
  ASSERT_EQ(got->classes.size(), 3u);
  expect_same(busy_, got->classes[0]);
  expect_same(empty_, got->classes[1]);
  expect_same(quiet_, got->classes[2]);

  // Encoding is deterministic (records sorted by student), so re-encoding matches.
  const DecodedSnapshot& snap = got.value();
  EXPECT_EQ(encode_snapshot(header_, {&snap.classes[0], &snap.classes[1], &snap.classes[2]}),
            bytes);
}

TEST_F(SnapshotTest, RestoredClassesKeepWorking) {
  Result<DecodedSnapshot> got = decode_snapshot(encoded());
  ASSERT_TRUE(got.ok()) << got.error();
  ClassAttendance& c = got->classes[0];
  const SessionId open = c.open_session()->id;
  const Outcome again = open_session(c, 5, "999999", kStart);
  EXPECT_EQ(again.refusal, Refusal::SessionAlreadyOpen);
  EXPECT_EQ(again.session, open);
  const Outcome r = check_in(c, open, kBob, Method::VerificationCode,
                             kStart + 24 * 60 * kMinute + 1, kStart + 24 * 60 * kMinute + 1);
  EXPECT_TRUE(r.applied());
  EXPECT_TRUE(r.created);
  const Outcome closed = close_session(c, open, kStart + 26 * 60 * kMinute);
  ASSERT_TRUE(closed.applied());
  // Carol was the only one left unmarked.
  ASSERT_TRUE(closed.logged.has_value());
  EXPECT_EQ(std::get<CloseSession>(*closed.logged).marked_absent, std::vector<UserId>{kCarol});
  const Outcome next = open_session(c, 5, "111111", kStart + 48 * 60 * kMinute);
  ASSERT_TRUE(next.applied());
  EXPECT_EQ(next.session, make_session_id(ClassId{4}, 3));
}

// The restored class answers the log's next commands exactly as the class it was
// taken from: replaying after a snapshot gives the state that was live.
TEST_F(SnapshotTest, RestoredClassesApplyCommandsLikeTheOriginal) {
  Result<DecodedSnapshot> got = decode_snapshot(encoded());
  ASSERT_TRUE(got.ok()) << got.error();
  ClassAttendance& restored = got->classes[0];
  const SessionId open = busy_.open_session()->id;
  const std::int64_t t = kStart + 24 * 60 * kMinute;
  const std::vector<Command> commands = {
      CheckIn{busy_.id(), open, kBob, Method::QrCode, t + 1, t + 2, "phone:3"},
      Override{busy_.id(), open, kTeacher, kDan, AttendanceStatus::Late, std::string("bus"), t + 3,
               t + 4, ""},
      Bulk{busy_.id(), open, kTeacher, {}, AttendanceStatus::Excused, std::nullopt, t + 5},
      CloseSession{busy_.id(), open, kTeacher, std::nullopt, t + 6},
  };
  const ClassInfo info = class_info(busy_.id());
  for (const Command& cmd : commands) {
    SCOPED_TRACE(name_of(cmd));
    const Outcome live = busy_.apply(info, cmd);
    const Outcome replayed = restored.apply(info, cmd);
    EXPECT_EQ(live.refusal, replayed.refusal);
    EXPECT_EQ(live.change, replayed.change);
    EXPECT_EQ(live.logged, replayed.logged);
    ASSERT_EQ(live.records.size(), replayed.records.size());
    for (std::size_t i = 0; i < live.records.size(); ++i)
      expect_same(live.records[i], replayed.records[i]);
  }
  expect_same(busy_, restored);
  EXPECT_EQ(encode_snapshot({}, {&busy_}), encode_snapshot({}, {&restored}));
}

TEST_F(SnapshotTest, EmptySnapshot) {
  const std::string bytes = encode_snapshot({}, {});
  EXPECT_EQ(bytes.size(), 40u);
  Result<DecodedSnapshot> got = decode_snapshot(bytes);
  ASSERT_TRUE(got.ok()) << got.error();
  EXPECT_TRUE(got->classes.empty());
}

TEST_F(SnapshotTest, AnyFlippedByteIsACrcError) {
  const std::string bytes = encoded();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= static_cast<char>(1u << (i % 8));
    const Result<DecodedSnapshot> got = decode_snapshot(bad);
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_NE(got.error().find("CRC"), std::string::npos) << got.error();
  }
}

TEST_F(SnapshotTest, TruncationsAndExtensionsAreErrors) {
  const std::string bytes = encoded();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_snapshot(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
  // Trailing bytes with a CRC that covers them.
  std::string longer = bytes;
  longer.insert(longer.end() - 4, char{0});
  fix_crc(longer);
  const Result<DecodedSnapshot> got = decode_snapshot(longer);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().find("trailing"), std::string::npos) << got.error();
}

// Structural damage behind a valid CRC: an Error naming the problem, never a crash.
TEST_F(SnapshotTest, BadStructureWithAValidCrcIsAnError) {
  const std::string good = encoded();
  struct Case {
    const char* name;
    std::function<void(std::string&)> edit;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"magic", [](std::string& b) { b[0] = 'X'; }, "magic"},
      {"version", [](std::string& b) { b[8] = 6; }, "version"},
      {"version 0", [](std::string& b) { b[8] = 0; }, "version"},
      {"reserved", [](std::string& b) { b[10] = 1; }, "reserved"},
      {"huge class count", [](std::string& b) { std::memset(b.data() + kClassCountAt, 0xFF, 4); },
       "class count"},
      {"class id zero", [](std::string& b) { std::memset(b.data() + 36, 0, 8); }, "out of range"},
      {"wrong session id", [](std::string& b) { b[kFirstSessionAt] ^= 1; }, "should have id"},
      {"huge session count", [](std::string& b) { std::memset(b.data() + 44, 0xFF, 4); },
       "session count"},
      {"open flag 2", [](std::string& b) { b[kFirstOpenFlagAt] = 2; }, "not 0 or 1"},
      {"open with close time", [](std::string& b) { b[kFirstOpenFlagAt] = 1; }, "close time"},
      {"two open sessions",
       [](std::string& b) {
         b[kFirstOpenFlagAt] = 1;
         std::memset(b.data() + kFirstClosedAtAt, 0, 8);
       },
       "two open sessions"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string bad = good;
    c.edit(bad);
    fix_crc(bad);
    const Result<DecodedSnapshot> got = decode_snapshot(bad);
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.error().find(c.expect), std::string::npos) << got.error();
  }
}

TEST_F(SnapshotTest, BadRecordAndAuditFieldsAreErrors) {
  // A class with one session and one record, so every offset is known.
  ClassAttendance c(ClassId{9});
  const SessionId sid = open_session(c, 5, "12", kStart).session;
  ASSERT_TRUE(check_in(c, sid, kAlice, Method::QrCode, kStart, kStart).applied());
  const std::string good = encode_snapshot({}, {&c});
  ASSERT_TRUE(decode_snapshot(good).ok());
  const std::size_t code_at = kFirstSessionAt + 8 + 1 + 8 + 8 + 4;
  const std::size_t seed_at = code_at + 4 + 2;
  const std::size_t record_count_at = seed_at + 4 + 4;
  const std::size_t record_at = record_count_at + 4;
  const std::size_t status_at = record_at + 8;
  const std::size_t audit_count_at =
      record_at + 8 + 1 + 1 + 9 + 1 + 4 + 1 + 1 + 8 + 8 + 4 + 1 + 4 + 4 + 1;
  const std::size_t audit_at = audit_count_at + 4;
  const std::size_t ops_count_at = audit_at + 8 + 8 + 8 + 3 + 1 + 1;
  ASSERT_EQ(good.size(), ops_count_at + 4 + 4);

  struct Case {
    const char* name;
    std::size_t at;
    std::vector<unsigned char> bytes;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"code length", code_at, {0xFF, 0xFF, 0xFF, 0x7F}, "exceeds"},
      {"huge record count", record_count_at, {0xFF, 0xFF, 0xFF, 0xFF}, "record count"},
      {"record count too big by one", record_count_at, {2, 0, 0, 0}, ""},
      {"student zero", record_at, {0}, "ascending"},
      {"status 9", status_at, {9}, "status 9"},
      {"method 6", status_at + 1, {6}, "method 6"},
      {"optional flag 3", status_at + 2, {3}, "not 0 or 1"},
      {"huge audit count", audit_count_at, {0xFF, 0xFF, 0xFF, 0x0F}, "audit count"},
      {"audit from 5", audit_at + 24, {5}, "status 5"},
      {"audit method 200", audit_at + 26, {200}, "method 200"},
      {"record offline 2", audit_count_at - 10, {2}, "record offline"},
      {"remaining absent 2", audit_count_at - 1, {2}, "record remaining absent"},
      // The record is a check-in (present): a "mark remaining" absent it cannot be.
      {"remaining absent on a check-in", audit_count_at - 1, {1}, "remaining absent"},
      {"audit offline 7", ops_count_at - 1, {7}, "audit offline"},
      {"huge applied op count", ops_count_at, {0xFF, 0xFF, 0xFF, 0x0F}, "applied op count"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    std::string bad = good;
    std::memcpy(bad.data() + k.at, k.bytes.data(), k.bytes.size());
    fix_crc(bad);
    const Result<DecodedSnapshot> got = decode_snapshot(bad);
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.error().find(k.expect), std::string::npos) << got.error();
  }

  // The same class twice.
  const std::string twice = encode_snapshot({}, {&c, &c});
  const Result<DecodedSnapshot> got = decode_snapshot(twice);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().find("twice"), std::string::npos) << got.error();
}

// Random damage behind a valid CRC: decode either succeeds (and the result is usable)
// or says why not; it never asserts, crashes or allocates absurdly.
TEST_F(SnapshotTest, RandomDamageNeverCrashes) {
  const std::string good = encoded();
  std::mt19937_64 rng(99);
  int rejected = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string bad = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % (bad.size() - 4);
      switch (rng() % 3) {
        case 0: bad[at] = static_cast<char>(rng()); break;
        case 1: bad[at] = static_cast<char>(rng() % 3); break;
        default: bad[at] = '\xFF'; break;
      }
    }
    fix_crc(bad);
    const Result<DecodedSnapshot> got = decode_snapshot(bad);
    if (!got.ok()) {
      ++rejected;
      EXPECT_FALSE(got.error().empty());
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST_F(SnapshotTest, SyncedOpsAndOverrideTimesSurvive) {
  ClassAttendance c(ClassId{9});
  const SessionId sid = open_session(c, 5, "12", kStart).session;
  const std::int64_t now = kStart + 60 * kMinute;
  ASSERT_TRUE(check_in(c, sid, kAlice, Method::QrCode, kStart + kMinute, now, "phone:1").applied());
  ASSERT_TRUE(override_record(c, sid, kBob, AttendanceStatus::Excused, "train",
                              kStart + 2 * kMinute, now, "tablet:9")
                  .applied());
  Result<DecodedSnapshot> got = decode_snapshot(encode_snapshot({}, {&c}));
  ASSERT_TRUE(got.ok()) << got.error();
  const ClassAttendance& back = got->classes.at(0);
  ASSERT_EQ(back.applied_ops().size(), 2u);
  // Retries after a restart from this snapshot are still duplicates, for their sender only.
  const AppliedOp* op = back.applied_op(kTeacher, "tablet:9");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->session, sid);
  EXPECT_EQ(op->student, kBob);
  EXPECT_NE(back.applied_op(kAlice, "phone:1"), nullptr);
  EXPECT_EQ(back.applied_op(kBob, "phone:1"), nullptr);
  const Record& bob = back.session(sid)->records.at(kBob);
  EXPECT_EQ(bob.override_at_ms, kStart + 2 * kMinute);
  EXPECT_EQ(bob.override_op, "tablet:9");
  // An older override from another device still loses after the restart...
  ClassAttendance copy = back;
  const Outcome older = override_record(copy, sid, kBob, AttendanceStatus::Absent, std::nullopt,
                                        kStart + kMinute, now, "zzz");
  EXPECT_EQ(older.refusal, Refusal::None);
  EXPECT_EQ(older.change, Change::Unchanged);
  ASSERT_EQ(older.records.size(), 1u);
  EXPECT_EQ(older.records[0].status, AttendanceStatus::Excused);
  // ...and a retry of an applied op is a duplicate.
  const Outcome retry =
      check_in(copy, sid, kAlice, Method::QrCode, kStart + kMinute, now, "phone:1");
  EXPECT_EQ(retry.refusal, Refusal::None);
  EXPECT_EQ(retry.change, Change::Duplicate);
}

// A version 4 image of a version 5 snapshot of one class with one session (a
// static verification code of 2 bytes): without the session's code seed ("") and
// rotation (0).
std::string version4_of_one_session(std::string v5) {
  const std::size_t seed_at = kFirstSessionAt + 8 + 1 + 8 + 8 + 4 + 4 + 2;
  EXPECT_EQ(v5.substr(seed_at, 8), std::string(8, '\0'));
  std::string v4 = std::move(v5);
  v4.erase(seed_at, 8);
  v4[8] = 4;
  fix_crc(v4);
  return v4;
}

// Where the fields version 3 added begin in the one record of a version 4 snapshot
// of one class with one session (a verification code of 2 bytes) holding one record
// (no check-in time, a reason of one byte, an override op_id of `op_bytes`).
std::size_t v3_record_fields_at(std::size_t op_bytes) {
  const std::size_t code_at = kFirstSessionAt + 8 + 1 + 8 + 8 + 4;
  const std::size_t record_at = code_at + 4 + 2 + 4;
  return record_at + 8 + 1 + 1 + 1 + 1 + 4 + 1 + 1 + 4 + 1 + 8 + 8 + 4 + op_bytes;
}

// A version 4 image of a version 5 snapshot of one record (as above): also without
// the record's remaining_absent flag (false).
std::string version4_of_one_record(std::string v5, std::size_t op_bytes = 0) {
  const std::size_t flag_at = 8 + v3_record_fields_at(op_bytes) + 1 + 4 + 4;
  EXPECT_EQ(v5[flag_at], '\0');
  v5.erase(flag_at, 1);
  return version4_of_one_session(std::move(v5));
}

// A version 3 image of a version 5 snapshot of one record (as above): also without
// the record's synced override count.
std::string version3_of_one_record(std::string v5, std::size_t op_bytes = 0) {
  const std::size_t v4_field_at = v3_record_fields_at(op_bytes) + 1 + 4;
  std::string v3 = version4_of_one_record(std::move(v5), op_bytes);
  v3.erase(v4_field_at, 4);
  v3[8] = 3;
  fix_crc(v3);
  return v3;
}

// A version 2 image of a version 5 snapshot of one record (as above) and one audit
// entry (a reason of one byte): also without the record's offline mark and sync
// count and the audit entry's offline mark.
std::string version2_of_one_record(std::string v5, std::size_t op_bytes = 0) {
  const std::string v3 = version3_of_one_record(std::move(v5), op_bytes);
  const std::size_t fields_at = v3_record_fields_at(op_bytes);
  const std::size_t audit_offline_at = fields_at + 5 + 4 + 8 + 8 + 8 + 3 + 1 + 4 + 1;
  std::string v2 = v3.substr(0, fields_at) +
                   v3.substr(fields_at + 5, audit_offline_at - fields_at - 5) +
                   v3.substr(audit_offline_at + 1);
  v2[8] = 2;
  fix_crc(v2);
  return v2;
}

TEST_F(SnapshotTest, OfflineMarksAndSyncCountsSurvive) {
  ClassAttendance c(ClassId{9});
  const SessionId sid = open_session(c, 5, "12", kStart).session;
  const std::int64_t now = kStart + 60 * kMinute;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(check_in(c, sid, kAlice, Method::VerificationCode, kStart + 9 * kMinute - i, now,
                         numbered("p", i))
                    .applied());
  }
  ASSERT_TRUE(check_in(c, sid, kBob, Method::QrCode, kStart + kMinute, kStart + kMinute).applied());
  Result<DecodedSnapshot> got = decode_snapshot(encode_snapshot({}, {&c}));
  ASSERT_TRUE(got.ok()) << got.error();
  expect_same(c, got->classes.at(0));
  const Session& s = *got->classes.at(0).session(sid);
  EXPECT_TRUE(s.records.at(kAlice).offline);
  EXPECT_EQ(s.records.at(kAlice).sync_changes, 2u);
  EXPECT_FALSE(s.records.at(kBob).offline);
  EXPECT_EQ(s.records.at(kBob).sync_changes, 0u);
  ASSERT_EQ(s.audit.size(), 3u);
  EXPECT_TRUE(s.audit[0].offline && s.audit[1].offline);
  EXPECT_FALSE(s.audit[2].offline);
}

TEST_F(SnapshotTest, SyncedOverrideCountsSurvive) {
  ClassAttendance c(ClassId{9});
  const SessionId sid = open_session(c, 5, "12", kStart).session;
  const std::int64_t now = kStart + 60 * kMinute;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(override_record(c, sid, kAlice, AttendanceStatus::Excused, "x",
                                kStart + kMinute + i, now, numbered("t", i))
                    .applied());
  }
  Result<DecodedSnapshot> got = decode_snapshot(encode_snapshot({}, {&c}));
  ASSERT_TRUE(got.ok()) << got.error();
  expect_same(c, got->classes.at(0));
  EXPECT_EQ(got->classes.at(0).session(sid)->records.at(kAlice).override_sync_changes, 3u);
}

TEST_F(SnapshotTest, AVersion3SnapshotIsReadWithoutOverrideCounts) {
  ClassAttendance c(ClassId{9});
  const SessionId sid = open_session(c, 5, "12", kStart).session;
  ASSERT_TRUE(override_record(c, sid, kAlice, AttendanceStatus::Excused, "x", kStart + 2 * kMinute,
                              kStart + 3 * kMinute, "t1")
                  .applied());
  const Record& want = c.session(sid)->records.at(kAlice);
  ASSERT_EQ(want.override_sync_changes, 1u);
  const Result<DecodedSnapshot> got =
      decode_snapshot(version3_of_one_record(encode_snapshot({}, {&c}), 2));
  ASSERT_TRUE(got.ok()) << got.error();
  const Session& s = *got->classes.at(0).session(sid);
  const Record& alice = s.records.at(kAlice);
  EXPECT_EQ(alice.override_sync_changes, 0u);  // version 3 did not have it: counted from 0
  Record without = want;
  without.override_sync_changes = 0;
  expect_same(without, alice);  // everything version 3 had is kept
  EXPECT_TRUE(alice.offline);
  ASSERT_EQ(s.audit.size(), 1u);
  EXPECT_TRUE(s.audit[0].offline);
  EXPECT_NE(got->classes.at(0).applied_op(kTeacher, "t1"), nullptr);
}

TEST_F(SnapshotTest, AVersion2SnapshotIsReadWithoutOfflineMarks) {
  ClassAttendance c(ClassId{9});
  const SessionId sid = open_session(c, 5, "12", kStart).session;
  ASSERT_TRUE(override_record(c, sid, kAlice, AttendanceStatus::Excused, "x", kStart + kMinute,
                              kStart + 2 * kMinute, "t1")
                  .applied());
  ASSERT_TRUE(c.session(sid)->records.at(kAlice).offline);
  Result<DecodedSnapshot> got =
      decode_snapshot(version2_of_one_record(encode_snapshot({}, {&c}), 2));
  ASSERT_TRUE(got.ok()) << got.error();
  const Session& s = *got->classes.at(0).session(sid);
  const Record& alice = s.records.at(kAlice);
  EXPECT_EQ(alice.override_op, "t1");  // what version 2 had is kept...
  EXPECT_EQ(alice.override_reason, "x");
  EXPECT_FALSE(alice.offline);  // ...what it did not have is a live version, counted from 0
  EXPECT_EQ(alice.sync_changes, 0u);
  ASSERT_EQ(s.audit.size(), 1u);
  EXPECT_FALSE(s.audit[0].offline);
  EXPECT_NE(got->classes.at(0).applied_op(kTeacher, "t1"), nullptr);
}

TEST_F(SnapshotTest, AVersion1SnapshotIsStillRead) {
  // Version 1 had neither the override time/op_id per record nor the applied ops:
  // build one from a version 2 image of a class with one REST override.
  ClassAttendance c(ClassId{9});
  const SessionId sid = open_session(c, 5, "12", kStart).session;
  ASSERT_TRUE(override_record(c, sid, kAlice, AttendanceStatus::Excused, "x", kStart + kMinute,
                              kStart + kMinute)
                  .applied());
  std::string v2 = version2_of_one_record(encode_snapshot({}, {&c}));
  const std::size_t code_at = kFirstSessionAt + 8 + 1 + 8 + 8 + 4;
  const std::size_t record_at = code_at + 4 + 2 + 4;
  const std::size_t v2_fields_at =
      record_at + 8 + 1 + 1 + 1 + 1 + 4 + 1 + 1 + 4 + 1 + 8;  // after the timestamp
  std::string v1 = v2.substr(0, v2_fields_at) + v2.substr(v2_fields_at + 12);
  v1.erase(v1.size() - 8, 4);  // the applied op count (0), before the CRC
  v1[8] = 1;
  fix_crc(v1);
  Result<DecodedSnapshot> got = decode_snapshot(v1);
  ASSERT_TRUE(got.ok()) << got.error();
  const Record& alice = got->classes.at(0).session(sid)->records.at(kAlice);
  EXPECT_EQ(alice.status, AttendanceStatus::Excused);
  EXPECT_EQ(alice.override_reason, "x");
  EXPECT_EQ(alice.override_at_ms, kStart + kMinute);  // a REST override: at its commit time
  EXPECT_EQ(alice.override_op, "");
  EXPECT_TRUE(got->classes.at(0).applied_ops().empty());
}

TEST_F(SnapshotTest, ARotatingCodeSurvivesAndAVersion4SnapshotHasStaticCodes) {
  ClassAttendance c(ClassId{9});
  const std::string seed(32, 'c');
  ASSERT_TRUE(c.apply(class_info(c.id()), OpenSession{c.id(), kTeacher, 5, "", kStart, seed, 15})
                  .applied());
  Result<DecodedSnapshot> got = decode_snapshot(encode_snapshot({}, {&c}));
  ASSERT_TRUE(got.ok()) << got.error();
  expect_same(c, got->classes.at(0));
  const Session& s = *got->classes.at(0).open_session();
  EXPECT_EQ(s.code_seed, seed);
  EXPECT_EQ(s.code_rotation_s, 15u);
  EXPECT_EQ(s.code_at(kStart + 40'000), c.open_session()->code_at(kStart + 40'000));

  ClassAttendance old(ClassId{9});
  ASSERT_TRUE(open_session(old, 5, "12", kStart).applied());
  got = decode_snapshot(version4_of_one_session(encode_snapshot({}, {&old})));
  ASSERT_TRUE(got.ok()) << got.error();
  const Session& static_one = *got->classes.at(0).open_session();
  EXPECT_FALSE(static_one.rotating_code());
  EXPECT_EQ(static_one.verification_code, "12");
  EXPECT_TRUE(static_one.code_accepted("12", kStart + 3'600'000));
}

TEST_F(SnapshotTest, AMalformedSessionCodeIsAnError) {
  ClassAttendance c(ClassId{9});
  ASSERT_TRUE(open_session(c, 5, "12", kStart).applied());
  const std::string good = encode_snapshot({}, {&c});
  const std::size_t rotation_at = kFirstSessionAt + 8 + 1 + 8 + 8 + 4 + 4 + 2 + 4;
  std::string bad = good;
  bad[rotation_at] = 15;  // a rotation without a seed, beside a static code
  fix_crc(bad);
  const Result<DecodedSnapshot> got = decode_snapshot(bad);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().find("session code"), std::string::npos) << got.error();
}

TEST_F(SnapshotTest, AnAppliedOpOfAnotherClassOrTwiceIsAnError) {
  ClassAttendance c(ClassId{9});
  const SessionId sid = open_session(c, 5, "12", kStart).session;
  ASSERT_TRUE(check_in(c, sid, kAlice, Method::QrCode, kStart, kStart, "a").applied());
  const std::string good = encode_snapshot({}, {&c});
  // The op's session id is the last 16 bytes before the CRC minus the student (8).
  std::string bad = good;
  const std::size_t session_at = bad.size() - 4 - 8 - 8;
  bad[session_at] =
      static_cast<char>(bad[session_at] + 1);  // session 2 of the class: does not exist
  fix_crc(bad);
  Result<DecodedSnapshot> got = decode_snapshot(bad);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().find("not one of class 9"), std::string::npos) << got.error();
  c.restore_applied_ops({AppliedOp{kAlice, "a", sid, kAlice}, AppliedOp{kAlice, "b", sid, kAlice}});
  std::string twice = encode_snapshot({}, {&c});
  const std::size_t b_at = twice.rfind('b');
  twice[b_at] = 'a';
  fix_crc(twice);
  got = decode_snapshot(twice);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().find("appears twice"), std::string::npos) << got.error();
}

}  // namespace
}  // namespace rollcall::wal

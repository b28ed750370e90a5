// Reading a generation back (wal::read_generation) and rebuilding the state from it
// (owner::recover): commands written through the LogWriter come back in LSN order
// after the snapshot, replay gives exactly the state that was live, a crash in the
// last write is a reported torn tail, damage before the end is an error, and the
// legacy check-in/override records of older logs still replay.

#include "rollcall/wal/reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "rollcall/owner/recovery.hpp"
#include "rollcall/wal/format.hpp"
#include "rollcall/wal/log_writer.hpp"
#include "rollcall/wal/records.hpp"
#include "rollcall/wal/snapshot.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::wal {
namespace {

namespace fs = std::filesystem;
using namespace domain;

constexpr std::int64_t kStart = 1'795'334'400'000;  // 2026-11-22T08:00:00Z
const ClassId kCls{4};
const UserId kTeacher{2};
const UserId kAlice{10}, kBob{11}, kCarol{12}, kDan{13}, kEve{14};  // Eve joins later

std::shared_ptr<const Roster> roster() {
  RosterBuilder b;
  b.add_user(User{kTeacher, "t", "Teacher", Role::Teacher, "$argon2id$t", "", {}});
  for (const UserId s : {kAlice, kBob, kCarol, kDan, kEve}) {
    std::string username = "s";
    username += std::to_string(s.value);
    b.add_user(User{s, username, "Student", Role::Student, "$argon2id$s", "", {}});
  }
  b.add_class(ClassInfo{kCls, "Class 4", "JOIN4", "", {}, {}});
  b.assign_teacher(kTeacher, kCls);
  for (const UserId s : {kAlice, kBob, kCarol, kDan}) b.enroll(s, kCls);
  return b.build();
}

/// Writes each batch at once with pwrite + fdatasync.
class SyncIo final : public LogIo {
 public:
  explicit SyncIo(LogWriter& w) : w_(w) {}
  void write_and_sync(int fd, std::uint64_t offset, std::string_view data) override {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    w_.on_write(n < 0 ? -errno : static_cast<int>(n));
    w_.on_sync(::fdatasync(fd) == 0 ? 0 : -errno, *this);
  }

 private:
  LogWriter& w_;
};

/// The power goes during the write: only the first `bytes` reach the file, and the
/// writer never hears back.
class CrashIo final : public LogIo {
 public:
  explicit CrashIo(std::size_t bytes) : bytes_(bytes) {}
  void write_and_sync(int fd, std::uint64_t offset, std::string_view data) override {
    ASSERT_LT(bytes_, data.size());
    ASSERT_EQ(::pwrite(fd, data.data(), bytes_, static_cast<off_t>(offset)),
              static_cast<ssize_t>(bytes_));
    at = offset;
  }
  std::uint64_t at = 0;

 private:
  std::size_t bytes_;
};

class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rollcall-reader-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Generation 1 with two shards: class 4 (as `live` is now) on shard 0, none on 1.
  void start_generation() {
    const LogStore store(dir_.string());
    ASSERT_TRUE(store.start_generation(1, *roster_, domain::PushDirectory{}, {{&live_}, {}}).ok());
  }
  std::unique_ptr<LogWriter> writer(std::uint64_t first_lsn = 1) {
    return std::make_unique<LogWriter>(
        LogWriterConfig{LogStore(dir_.string()).shard_dir(1, 0), 0, 1, first_lsn, 1 << 16});
  }
  // Applies `cmd` live and appends what it logged; returns the command logged.
  Command apply(LogWriter& w, const Command& cmd) {
    const Outcome out = live_.apply(*roster_->class_info(kCls), cmd);
    EXPECT_TRUE(out.applied()) << name_of(cmd);
    if (!out.logged) return cmd;
    w.append(*out.logged);
    return *out.logged;
  }
  std::string segment_path() const {
    return LogStore(dir_.string()).shard_dir(1, 0) + "/" + segment_file_name(1);
  }

  // A day's commands for session 1 of class 4, as logged, and Eve's join.
  std::vector<Command> write_a_day(LogWriter& w) {
    SyncIo io(w);
    const SessionId s = make_session_id(kCls, 1);
    std::vector<Command> logged;
    logged.push_back(apply(w, OpenSession{kCls, kTeacher, 5, "123456", kStart}));
    logged.push_back(apply(w, CheckIn{kCls, s, kAlice, Method::VerificationCode, kStart + 60'000,
                                      kStart + 60'000, ""}));
    EXPECT_TRUE(w.flush(io));
    logged.push_back(apply(w, CheckIn{kCls, s, kBob, Method::QrCode, kStart + 9 * 60'000,
                                      kStart + 10 * 60'000, "phone:1"}));
    logged.push_back(
        apply(w, Override{kCls, s, kTeacher, kBob, AttendanceStatus::Excused, std::string("Arzt"),
                          kStart + 11 * 60'000, kStart + 11 * 60'000, ""}));
    logged.push_back(apply(w, Bulk{kCls,
                                   s,
                                   kTeacher,
                                   {{kCarol, AttendanceStatus::Late, std::nullopt}},
                                   std::nullopt,
                                   std::nullopt,
                                   kStart + 12 * 60'000}));
    EXPECT_TRUE(w.flush(io));
    // Eve joins: the roster owner logs the enrollment, the class's owner the join.
    const Enroll enroll{kEve, kCls, roster_->version() + 1};
    w.append(enroll);
    logged.push_back(enroll);
    roster_ = roster_->with_enrollment(kEve, kCls);
    logged.push_back(apply(w, AnnounceJoin{kCls, kEve, kStart + 13 * 60'000}));
    // The close marks Dan and Eve absent: the logged command lists them.
    logged.push_back(apply(w, CloseSession{kCls, s, kTeacher, std::nullopt, kStart + 60 * 60'000}));
    EXPECT_EQ(std::get<CloseSession>(logged.back()).marked_absent,
              (std::vector<UserId>{kDan, kEve}));
    EXPECT_TRUE(w.flush(io));
    EXPECT_TRUE(w.healthy());
    return logged;
  }

  fs::path dir_;
  std::shared_ptr<const Roster> roster_ = roster();
  ClassAttendance live_{kCls};
};

std::vector<Command> commands_of(const storage::ShardHistory& h) {
  std::vector<Command> out;
  for (const storage::LoggedCommand& c : h.commands) out.push_back(c.command);
  return out;
}

std::string image(const ClassAttendance& c) {
  return encode_snapshot({}, {&c});
}

TEST_F(ReaderTest, NoGenerationYetGivesTheSeed) {
  const auto seed = roster();
  Result<storage::Stored> stored = read_generation(dir_.string(), seed);
  ASSERT_TRUE(stored.ok()) << stored.error();
  EXPECT_EQ(stored->generation, 0u);
  EXPECT_EQ(stored->roster, seed);
  EXPECT_TRUE(stored->shards.empty());
  Result<owner::Recovered> rec = owner::recover(std::move(*stored));
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->generation, 0u);
  EXPECT_TRUE(rec->classes.empty());
}

TEST_F(ReaderTest, ReadsTheLoggedCommandsBackAndRecoversTheLiveState) {
  start_generation();
  auto w = writer();
  const std::vector<Command> logged = write_a_day(*w);

  Result<storage::Stored> stored = read_generation(dir_.string(), nullptr);
  ASSERT_TRUE(stored.ok()) << stored.error();
  EXPECT_EQ(stored->generation, 1u);
  ASSERT_EQ(stored->shards.size(), 2u);
  const storage::ShardHistory& s0 = stored->shards[0];
  EXPECT_EQ(s0.shard, 0u);
  EXPECT_EQ(s0.checkpoint_lsn, 0u);
  EXPECT_EQ(s0.segments, 1u);
  EXPECT_FALSE(s0.torn_tail.has_value());
  ASSERT_EQ(s0.classes.size(), 1u);  // the (empty) class of the generation's snapshot
  EXPECT_TRUE(s0.classes[0].sessions().empty());
  EXPECT_EQ(commands_of(s0), logged);
  // LSNs in order, skipping each batch's Commit: batches of 2, 3 and 3 commands.
  std::vector<std::uint64_t> lsns;
  for (const storage::LoggedCommand& c : s0.commands) lsns.push_back(c.lsn);
  EXPECT_EQ(lsns, (std::vector<std::uint64_t>{1, 2, 4, 5, 6, 8, 9, 10}));
  EXPECT_EQ(s0.last_lsn, 11u);
  EXPECT_TRUE(stored->shards[1].commands.empty());
  EXPECT_TRUE(stored->shards[1].classes.empty());
  EXPECT_EQ(stored->roster->version(), 1u);  // the generation's roster: before Eve joined

  std::vector<std::string> replayed;
  Result<owner::Recovered> rec = owner::recover(
      std::move(*stored), [&](unsigned shard, const Roster&, const ClassInfo& cls,
                              const ClassAttendance&, const Command& cmd, const Outcome& out) {
        EXPECT_EQ(shard, 0u);
        EXPECT_TRUE(out.applied());
        // Replay sees the class as it was: without Eve before her announced join.
        const bool has_eve =
            std::find(cls.students.begin(), cls.students.end(), kEve) != cls.students.end();
        const bool joined = std::holds_alternative<AnnounceJoin>(cmd);
        replayed.push_back(std::string(name_of(cmd)) + (has_eve && !joined ? "+eve" : ""));
      });
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->generation, 1u);
  EXPECT_EQ(rec->roster->version(), 2u);
  EXPECT_TRUE(rec->roster->enrolled(kEve, kCls));
  EXPECT_EQ(rec->commands_replayed, logged.size());
  EXPECT_EQ(rec->classes_per_shard, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(replayed,
            (std::vector<std::string>{"session_opened", "checked_in", "checked_in", "overridden",
                                      "bulk_applied", "class_joined", "session_closed+eve"}));
  ASSERT_EQ(rec->classes.count(kCls), 1u);
  EXPECT_EQ(image(rec->classes.at(kCls)), image(live_));
  EXPECT_NE(rec->classes.at(kCls).applied_op(kBob, "phone:1"), nullptr);
}

TEST_F(ReaderTest, ACrashDuringTheLastWriteIsAReportedTornTail) {
  start_generation();
  auto w = writer();
  const std::vector<Command> logged = write_a_day(*w);
  const std::string file = segment_path();
  // One more batch, of which only 40 bytes reach the disk.
  const SessionId s = make_session_id(kCls, 1);
  apply(*w, Override{kCls, s, kTeacher, kDan, AttendanceStatus::Excused, std::nullopt,
                     kStart + 2 * 3'600'000, kStart + 2 * 3'600'000, ""});
  CrashIo crash(40);
  ASSERT_TRUE(w->flush(crash));
  w.reset();

  Result<storage::Stored> stored = read_generation(dir_.string(), nullptr);
  ASSERT_TRUE(stored.ok()) << stored.error();
  const storage::ShardHistory& s0 = stored->shards[0];
  EXPECT_EQ(commands_of(s0), logged);  // the torn batch is dropped whole
  EXPECT_EQ(s0.last_lsn, 11u);
  ASSERT_TRUE(s0.torn_tail.has_value());
  EXPECT_EQ(s0.torn_tail->file, file);
  EXPECT_EQ(s0.torn_tail->offset, crash.at);
  EXPECT_FALSE(s0.torn_tail->reason.empty());

  // Recovery gives the state before the batch nobody was told had succeeded.
  Result<owner::Recovered> rec = owner::recover(std::move(*stored));
  ASSERT_TRUE(rec.ok()) << rec.error();
  const Record dan = rec->classes.at(kCls).session(s)->record_of(kDan);
  EXPECT_EQ(dan.status, AttendanceStatus::Absent);  // the close's, not the lost override
  EXPECT_FALSE(dan.is_manual_override);
}

TEST_F(ReaderTest, DamageBeforeTheLastBatchIsAnErrorNamingFileAndOffset) {
  start_generation();
  auto w = writer();
  write_a_day(*w);
  w.reset();
  const std::string file = segment_path();
  // The first record's payload (just after the segment and record headers).
  const std::size_t at = kSegmentHeaderBytes + kRecordHeaderBytes + 3;
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x20);
    f.seekp(static_cast<std::streamoff>(at));
    f.write(&c, 1);
  }
  Result<storage::Stored> stored = read_generation(dir_.string(), nullptr);
  ASSERT_FALSE(stored.ok());
  EXPECT_NE(stored.error().find(file), std::string::npos) << stored.error();
  EXPECT_NE(stored.error().find("offset " + std::to_string(kSegmentHeaderBytes)), std::string::npos)
      << stored.error();
}

TEST_F(ReaderTest, ARecordThatDecodesButIsNotWellFormedIsAnError) {
  start_generation();
  // A framed, CRC-valid record whose payload is a close listing students unsorted.
  std::string seg;
  append_segment_header(seg, SegmentHeader{0, 1, 1});
  const std::string open = [] {
    std::string p;
    encode(p, OpenSession{kCls, kTeacher, 5, "1", kStart});
    return p;
  }();
  append_record(seg, RecordType::SessionOpened, 1, open);
  std::string close;
  encode(close, CloseSession{kCls, make_session_id(kCls, 1), kTeacher,
                             std::vector<UserId>{kAlice, kBob}, kStart + 1});
  const std::size_t first_id = close.size() - 8 - 16;  // the two ids before now_ms
  std::swap_ranges(close.begin() + static_cast<std::ptrdiff_t>(first_id),
                   close.begin() + static_cast<std::ptrdiff_t>(first_id + 8),
                   close.begin() + static_cast<std::ptrdiff_t>(first_id + 8));
  ASSERT_FALSE(decode(RecordType::SessionClosed, close).has_value());
  const std::size_t bad_at = seg.size();
  append_record(seg, RecordType::SessionClosed, 2, close);
  append_commit(seg, 3, 1, 3);
  std::ofstream(segment_path(), std::ios::binary) << seg;

  Result<storage::Stored> stored = read_generation(dir_.string(), nullptr);
  ASSERT_FALSE(stored.ok());
  EXPECT_NE(stored.error().find("offset " + std::to_string(bad_at)), std::string::npos)
      << stored.error();
  EXPECT_NE(stored.error().find("malformed"), std::string::npos) << stored.error();
}

TEST_F(ReaderTest, LegacyCheckInAndOverrideRecordsReplay) {
  start_generation();
  // A segment as logs before commands had it: live check-ins and overrides as
  // types 3 and 4.
  const SessionId s = make_session_id(kCls, 1);
  std::string open;
  encode(open, OpenSession{kCls, kTeacher, 5, "123456", kStart});
  auto u64 = [](std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  };
  std::string check_in;  // cls, session, student, method, at_ms, now_ms
  u64(check_in, kCls.value);
  u64(check_in, s.value);
  u64(check_in, kAlice.value);
  check_in.push_back(static_cast<char>(Method::QrCode));
  u64(check_in, kStart + 7 * 60'000);
  u64(check_in, kStart + 7 * 60'000 + 5);
  std::string override_;  // cls, session, actor, student, status, reason, now_ms
  u64(override_, kCls.value);
  u64(override_, s.value);
  u64(override_, kTeacher.value);
  u64(override_, kBob.value);
  override_.push_back(static_cast<char>(AttendanceStatus::Excused));
  override_ += std::string("\x01\x02\x00\x00\x00", 5) + "ok";
  u64(override_, kStart + 8 * 60'000);
  std::string seg;
  append_segment_header(seg, SegmentHeader{0, 1, 1});
  append_record(seg, RecordType::SessionOpened, 1, open);
  append_record(seg, RecordType::LegacyCheckedIn, 2, check_in);
  append_record(seg, RecordType::LegacyOverridden, 3, override_);
  append_commit(seg, 4, 1, 4);
  std::ofstream(segment_path(), std::ios::binary) << seg;

  Result<storage::Stored> stored = read_generation(dir_.string(), nullptr);
  ASSERT_TRUE(stored.ok()) << stored.error();
  const std::vector<Command> want = {
      OpenSession{kCls, kTeacher, 5, "123456", kStart},
      CheckIn{kCls, s, kAlice, Method::QrCode, kStart + 7 * 60'000, kStart + 7 * 60'000 + 5, ""},
      Override{kCls, s, kTeacher, kBob, AttendanceStatus::Excused, std::string("ok"),
               kStart + 8 * 60'000, kStart + 8 * 60'000, ""},
  };
  EXPECT_EQ(commands_of(stored->shards[0]), want);

  Result<owner::Recovered> rec = owner::recover(std::move(*stored));
  ASSERT_TRUE(rec.ok()) << rec.error();
  // The same as the current commands applied live.
  for (const Command& c : want) ASSERT_TRUE(live_.apply(*roster_->class_info(kCls), c).applied());
  EXPECT_EQ(image(rec->classes.at(kCls)), image(live_));
  const Record bob = rec->classes.at(kCls).session(s)->record_of(kBob);
  EXPECT_EQ(bob.status, AttendanceStatus::Excused);
  EXPECT_EQ(bob.override_at_ms, kStart + 8 * 60'000);
  EXPECT_EQ(bob.override_op, "");
}

TEST_F(ReaderTest, ACommandThatDoesNotApplyFailsRecoveryNamingItsLsn) {
  start_generation();
  auto w = writer();
  SyncIo io(*w);
  apply(*w, OpenSession{kCls, kTeacher, 5, "1", kStart});
  // Well formed, but session 2 was never opened: live could not have logged it.
  w->append(CheckIn{kCls, make_session_id(kCls, 2), kAlice, Method::QrCode, kStart, kStart, ""});
  ASSERT_TRUE(w->flush(io));
  Result<storage::Stored> stored = read_generation(dir_.string(), nullptr);
  ASSERT_TRUE(stored.ok()) << stored.error();
  Result<owner::Recovered> rec = owner::recover(std::move(*stored));
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("shard 0 LSN 2 (checked_in, class 4)"), std::string::npos)
      << rec.error();
}

}  // namespace
}  // namespace rollcall::wal

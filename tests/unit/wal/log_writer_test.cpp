// The log writer with a synchronous I/O backend that can inject faults: short
// writes, EIO, ENOSPC, fsync failures. What a waiter is told must match what is on
// disk, and what is on disk must scan back exactly.

#include "rollcall/wal/log_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <ostream>
#include <vector>

#include "rollcall/domain/commands.hpp"
#include "rollcall/storage/log.hpp"
#include "rollcall/wal/format.hpp"
#include "rollcall/wal/records.hpp"

namespace rollcall::wal {
namespace {

namespace fs = std::filesystem;

/// Runs the I/O at once with pwrite/fdatasync; faults are injected by the test.
class FaultyIo final : public LogIo {
 public:
  explicit FaultyIo(LogWriter*& writer) : writer_(writer) {}
  int short_write_bytes = 0;  ///< > 0: the next write stops after this many bytes
  int write_error = 0;        ///< > 0: the next write fails with this errno
  int sync_error = 0;         ///< > 0: the next sync fails with this errno
  int writes = 0;
  int syncs = 0;

  void write_and_sync(int fd, std::uint64_t offset, std::string_view data) override {
    ++writes;
    int result;
    if (write_error != 0) {
      result = -write_error;
      write_error = 0;
    } else {
      std::size_t n = data.size();
      if (short_write_bytes > 0 && static_cast<std::size_t>(short_write_bytes) < n) {
        n = static_cast<std::size_t>(short_write_bytes);
        short_write_bytes = 0;
      }
      const ssize_t w = ::pwrite(fd, data.data(), n, static_cast<off_t>(offset));
      result = w < 0 ? -errno : static_cast<int>(w);
    }
    writer_->on_write(result);
    // The link: a short or failed write cancels the sync.
    if (result < 0 || static_cast<std::size_t>(result) < data.size()) {
      writer_->on_sync(-ECANCELED, *this);
      return;
    }
    ++syncs;
    int sync_result = ::fdatasync(fd) == 0 ? 0 : -errno;
    if (sync_error != 0) {
      sync_result = -sync_error;
      sync_error = 0;
    }
    writer_->on_sync(sync_result, *this);
  }

 private:
  LogWriter*& writer_;
};

// A waiter that only records what it was told. The writer must never run it: it
// settles it and hands it out through take_released().
class TestWaiter final : public storage::Waiter {
 public:
  explicit TestWaiter(int id) : id_(id) {}
  void run(shard::Shard&, std::unique_ptr<shard::Task>) override {
    ADD_FAILURE() << "waiter " << id_ << " was run";
  }
  int id() const { return id_; }
  bool was_durable() const { return durable(); }

 private:
  int id_;
};

std::unique_ptr<storage::Waiter> waiter(int id) {
  return std::make_unique<TestWaiter>(id);
}

// A released waiter: its id and verdict.
struct Released {
  int id;
  bool durable;
  bool operator==(const Released&) const = default;
};
void PrintTo(const Released& r, std::ostream* os) {
  *os << "{" << r.id << ", " << (r.durable ? "durable" : "not durable") << "}";
}

// Takes the waiters the writer released since the last call, in release order.
std::vector<Released> released(LogWriter& w) {
  std::vector<Released> out;
  for (const std::unique_ptr<storage::Waiter>& p : w.take_released()) {
    const auto* t = dynamic_cast<const TestWaiter*>(p.get());
    EXPECT_NE(t, nullptr);
    if (t != nullptr) out.push_back({t->id(), t->was_durable()});
  }
  return out;
}

domain::CheckIn check_in(std::uint64_t student) {
  domain::CheckIn c;
  c.cls = domain::ClassId{4};
  c.session = domain::make_session_id(domain::ClassId{4}, 1);
  c.student = domain::UserId{student};
  c.at_ms = c.now_ms = 1'795'334'400'000 + static_cast<std::int64_t>(student);
  return c;
}

// A backend that completes later, like io_uring: the test completes the I/O.
struct LaterIo final : LogIo {
  int fd = -1;
  std::uint64_t offset = 0;
  std::string data;
  int submitted = 0;
  void write_and_sync(int f, std::uint64_t o, std::string_view d) override {
    fd = f;
    offset = o;
    data.assign(d);
    ++submitted;
  }
  // Writes what was submitted and reports the write; the sync is reported apart.
  void complete_write(LogWriter& w) const {
    ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)),
              static_cast<ssize_t>(data.size()));
    w.on_write(static_cast<int>(data.size()));
  }
};

class LogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rollcall-wal-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<LogWriter> make(std::uint64_t segment_bytes = 1 << 20) {
    auto w = std::make_unique<LogWriter>(LogWriterConfig{dir_.string(), 3, 7, 1, segment_bytes});
    writer_ = w.get();
    return w;
  }
  // Every record on disk, in order, across segments (scanned like recovery does).
  std::vector<ScannedRecord> on_disk(std::vector<std::string>& keep,
                                     ScanResult::End* last_end = nullptr) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir_)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<ScannedRecord> out;
    for (const fs::path& f : files) {
      std::ifstream in(f, std::ios::binary);
      keep.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      const ScanResult r =
          scan_segment(keep.back(), [&](const ScannedRecord& rec) { out.push_back(rec); });
      if (last_end != nullptr) *last_end = r.end;
    }
    return out;
  }

  fs::path dir_;
  LogWriter* writer_ = nullptr;
};

TEST_F(LogWriterTest, OneBatchPerFlushWithACommitAndWaitersReleasedAfterTheSync) {
  auto w = make();
  FaultyIo io(writer_);
  EXPECT_EQ(w->append(check_in(10)), 1u);
  w->when_durable(waiter(1));
  EXPECT_EQ(w->append(check_in(11)), 2u);
  w->when_durable(waiter(2));
  EXPECT_TRUE(released(*w).empty());  // nothing is durable before the flush
  EXPECT_FALSE(w->idle());
  ASSERT_TRUE(w->flush(io));
  EXPECT_EQ(io.writes, 1);
  EXPECT_EQ(io.syncs, 1);  // one fdatasync for the whole batch
  EXPECT_EQ(released(*w), (std::vector<Released>{{1, true}, {2, true}}));
  EXPECT_TRUE(released(*w).empty());  // handed out once
  EXPECT_EQ(w->durable_lsn(), 3u);    // two records and the Commit
  EXPECT_EQ(w->next_lsn(), 4u);
  EXPECT_TRUE(w->idle());
  EXPECT_EQ(w->stats().records, 2u);
  EXPECT_EQ(w->stats().durable_records, 2u);
  EXPECT_EQ(w->stats().batches, 1u);
  EXPECT_FALSE(w->flush(io));  // nothing new
  EXPECT_EQ(io.writes, 1);
  std::vector<std::string> keep;
  ScanResult::End end;
  const auto recs = on_disk(keep, &end);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].type, RecordType::CheckedIn);
  EXPECT_EQ(recs[1].type, RecordType::CheckedIn);
  EXPECT_EQ(recs[2].type, RecordType::Commit);
  EXPECT_EQ(end, ScanResult::End::Clean);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::optional<domain::Command> back = decode(recs[i].type, recs[i].payload);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, domain::Command{check_in(10 + i)});
  }
  const std::optional<CommitRecord> commit = decode_commit(recs[2].payload);
  ASSERT_TRUE(commit.has_value());
  EXPECT_EQ(commit->batch_first_lsn, 1u);
  EXPECT_EQ(commit->batch_records, 3u);  // the Commit included
}

TEST_F(LogWriterTest, EveryCommandTypeIsStoredAsItsRecordType) {
  auto w = make();
  FaultyIo io(writer_);
  const domain::ClassId cls{4};
  const domain::SessionId sid = domain::make_session_id(cls, 1);
  const domain::UserId teacher{2};
  const std::vector<domain::Command> commands = {
      domain::OpenSession{cls, teacher, 5, "123456", 1},
      check_in(10),
      domain::Override{cls, sid, teacher, domain::UserId{11}, domain::AttendanceStatus::Excused,
                       std::string("sick"), 2, 3, "tablet:1"},
      domain::Bulk{cls,
                   sid,
                   teacher,
                   {{domain::UserId{12}, domain::AttendanceStatus::Late, std::nullopt}},
                   domain::AttendanceStatus::Absent,
                   std::vector<domain::UserId>{domain::UserId{13}},
                   4},
      domain::CloseSession{cls, sid, teacher, std::vector<domain::UserId>{domain::UserId{14}}, 5},
      domain::AnnounceJoin{cls, domain::UserId{15}, 6},
      domain::Enroll{domain::UserId{15}, cls, 7},
  };
  for (const domain::Command& c : commands) w->append(c);
  w->when_durable(waiter(1));
  ASSERT_TRUE(w->flush(io));
  EXPECT_EQ(released(*w), (std::vector<Released>{{1, true}}));
  std::vector<std::string> keep;
  const auto recs = on_disk(keep);
  ASSERT_EQ(recs.size(), commands.size() + 1);
  for (std::size_t i = 0; i < commands.size(); ++i) {
    EXPECT_EQ(recs[i].type, type_of(commands[i])) << i;
    const std::optional<domain::Command> back = decode(recs[i].type, recs[i].payload);
    ASSERT_TRUE(back.has_value()) << i;
    EXPECT_EQ(*back, commands[i]) << i;
  }
}

TEST_F(LogWriterTest, AWaiterWithNothingPendingIsReleasedAtOnceButNotRun) {
  auto w = make();
  FaultyIo io(writer_);
  w->when_durable(waiter(1));  // nothing appended yet
  EXPECT_EQ(released(*w), (std::vector<Released>{{1, true}}));
  w->append(check_in(1));
  ASSERT_TRUE(w->flush(io));
  w->when_durable(waiter(2));  // after everything appended is durable
  w->when_durable(waiter(3));
  EXPECT_EQ(released(*w), (std::vector<Released>{{2, true}, {3, true}}));
  EXPECT_EQ(io.writes, 1);  // no I/O for them
}

TEST_F(LogWriterTest, WaitersAreReleasedInRegistrationOrderAcrossBatches) {
  auto w = make();
  FaultyIo io(writer_);
  w->append(check_in(1));
  w->when_durable(waiter(1));
  w->when_durable(waiter(2));
  ASSERT_TRUE(w->flush(io));
  w->append(check_in(2));
  w->when_durable(waiter(3));
  w->append(check_in(3));
  w->when_durable(waiter(4));
  ASSERT_TRUE(w->flush(io));
  EXPECT_EQ(released(*w), (std::vector<Released>{{1, true}, {2, true}, {3, true}, {4, true}}));
  EXPECT_EQ(w->durable_lsn(), 5u);  // (1 + Commit) + (2 + Commit)
}

TEST_F(LogWriterTest, AShortWriteIsResumedAndStillReleasedOnce) {
  auto w = make();
  FaultyIo io(writer_);
  for (int i = 0; i < 20; ++i) w->append(check_in(100 + static_cast<std::uint64_t>(i)));
  w->when_durable(waiter(1));
  io.short_write_bytes = 100;
  ASSERT_TRUE(w->flush(io));
  EXPECT_EQ(io.writes, 2);  // the rest was written
  EXPECT_EQ(io.syncs, 1);   // the short write's sync was cancelled
  EXPECT_EQ(released(*w), (std::vector<Released>{{1, true}}));
  EXPECT_TRUE(w->healthy());
  std::vector<std::string> keep;
  ScanResult::End end;
  const auto recs = on_disk(keep, &end);
  ASSERT_EQ(recs.size(), 21u);
  EXPECT_EQ(end, ScanResult::End::Clean);
  for (std::size_t i = 0; i < 20; ++i) {
    const std::optional<domain::Command> back = decode(recs[i].type, recs[i].payload);
    ASSERT_TRUE(back.has_value()) << i;
    EXPECT_EQ(*back, domain::Command{check_in(100 + i)}) << i;
  }
}

TEST_F(LogWriterTest, WriteErrorsFailTheWriterAndEveryWaiter) {
  for (const int err : {EIO, ENOSPC}) {
    SCOPED_TRACE(std::strerror(err));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto w = make();
    FaultyIo io(writer_);
    w->append(check_in(1));
    w->when_durable(waiter(1));
    w->when_durable(waiter(2));
    io.write_error = err;
    w->flush(io);
    EXPECT_EQ(io.syncs, 0);  // the failed write cancelled its sync
    EXPECT_EQ(released(*w), (std::vector<Released>{{1, false}, {2, false}}));
    EXPECT_FALSE(w->healthy());
    EXPECT_NE(w->error().find(std::strerror(err)), std::string::npos) << w->error();
    EXPECT_EQ(w->durable_lsn(), 0u);
    w->when_durable(waiter(3));  // too late: released at once, not durable
    EXPECT_EQ(released(*w), (std::vector<Released>{{3, false}}));
    EXPECT_FALSE(w->flush(io));
    EXPECT_EQ(io.writes, 1);
  }
}

TEST_F(LogWriterTest, ASyncFailureIsNotRetried) {
  auto w = make();
  FaultyIo io(writer_);
  w->append(check_in(1));
  w->when_durable(waiter(1));
  io.sync_error = EIO;
  w->flush(io);
  EXPECT_EQ(released(*w), (std::vector<Released>{{1, false}}));
  EXPECT_FALSE(w->healthy());
  EXPECT_NE(w->error().find("sync"), std::string::npos) << w->error();
  EXPECT_EQ(io.syncs, 1);  // no second fdatasync that could falsely succeed
  EXPECT_EQ(w->durable_lsn(), 0u);
  EXPECT_EQ(w->stats().durable_records, 0u);
  EXPECT_FALSE(w->flush(io));
}

TEST_F(LogWriterTest, AppendingToAFailedWriterIsABug) {
  auto w = make();
  FaultyIo io(writer_);
  w->append(check_in(1));
  io.write_error = EIO;
  w->flush(io);
  ASSERT_FALSE(w->healthy());
  EXPECT_DEATH(w->append(check_in(2)), "healthy");
}

TEST_F(LogWriterTest, RecordsAppendedDuringAWriteGoInTheNextBatch) {
  auto w = make();
  LaterIo io;
  w->append(check_in(1));
  w->when_durable(waiter(1));
  ASSERT_TRUE(w->flush(io));
  w->when_durable(waiter(2));  // nothing new appended: waits for the batch in flight
  w->append(check_in(2));
  w->when_durable(waiter(3));
  EXPECT_FALSE(w->flush(io));  // one batch in flight at a time
  EXPECT_EQ(io.submitted, 1);
  io.complete_write(*w);
  EXPECT_TRUE(released(*w).empty());  // written, not yet synced
  w->on_sync(0, io);
  EXPECT_EQ(released(*w), (std::vector<Released>{{1, true}, {2, true}}));
  EXPECT_EQ(w->durable_lsn(), 2u);
  ASSERT_TRUE(w->flush(io));
  io.complete_write(*w);
  EXPECT_TRUE(released(*w).empty());  // its batch has not been synced yet
  w->on_sync(0, io);
  EXPECT_EQ(released(*w), (std::vector<Released>{{3, true}}));
  EXPECT_EQ(w->durable_lsn(), 4u);
  EXPECT_EQ(w->stats().batches, 2u);
  EXPECT_EQ(w->stats().syncs, 2u);
  std::vector<std::string> keep;
  EXPECT_EQ(on_disk(keep).size(), 4u);
}

TEST_F(LogWriterTest, AFailureReleasesTheBatchInFlightAndTheOpenOne) {
  auto w = make();
  LaterIo io;
  w->append(check_in(1));
  w->when_durable(waiter(1));
  ASSERT_TRUE(w->flush(io));
  w->append(check_in(2));
  w->when_durable(waiter(2));
  w->on_write(-EIO);
  w->on_sync(-ECANCELED, io);
  EXPECT_FALSE(w->healthy());
  EXPECT_EQ(released(*w), (std::vector<Released>{{1, false}, {2, false}}));
  EXPECT_FALSE(w->flush(io));
  EXPECT_EQ(io.submitted, 1);
  EXPECT_EQ(w->durable_lsn(), 0u);
}

TEST_F(LogWriterTest, SegmentsRollAtTheSizeLimitAndOldOnesCanBeDropped) {
  auto w = make(4096);
  FaultyIo io(writer_);
  for (int batch = 0; batch < 40; ++batch) {
    for (int i = 0; i < 5; ++i) w->append(check_in(static_cast<std::uint64_t>(batch * 5 + i + 1)));
    w->when_durable(waiter(batch));
    ASSERT_TRUE(w->flush(io));
  }
  EXPECT_EQ(released(*w).size(), 40u);
  EXPECT_GE(w->stats().segments, 3u);  // ~16 KiB of batches in 4 KiB segments
  std::vector<std::string> keep;
  const auto recs = on_disk(keep);
  ASSERT_EQ(recs.size(), 40u * 6);  // 5 records + Commit per batch, across all segments
  for (std::size_t i = 0; i < recs.size(); ++i) EXPECT_EQ(recs[i].lsn, i + 1);
  // Every segment is named after, and starts with, its first LSN.
  for (const auto& e : fs::directory_iterator(dir_)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string header(kSegmentHeaderBytes, '\0');
    in.read(header.data(), static_cast<std::streamsize>(header.size()));
    SegmentHeader h;
    ASSERT_TRUE(parse_segment_header(header, h)) << e.path();
    EXPECT_EQ(e.path().filename().string(), segment_file_name(h.first_lsn));
    EXPECT_EQ(h.shard, 3u);
    EXPECT_EQ(h.generation, 7u);
  }
  const std::size_t files_before =
      std::distance(fs::directory_iterator(dir_), fs::directory_iterator());
  w->drop_segments_through(w->durable_lsn());
  const std::size_t files_after =
      std::distance(fs::directory_iterator(dir_), fs::directory_iterator());
  EXPECT_EQ(files_after, 1u);  // the segment being written stays
  EXPECT_GT(files_before, files_after);
}

}  // namespace
}  // namespace rollcall::wal

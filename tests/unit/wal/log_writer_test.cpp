// The log writer with a synchronous I/O backend that can inject faults: short
// writes, EIO, ENOSPC, fsync failures. What a waiter is told must match what is on
// disk, and what is on disk must scan back exactly.

#include "rollcall/wal/log_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "rollcall/wal/format.hpp"

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

struct Outcome {
  int calls = 0;
  bool ok = false;
};
void record_outcome(void* arg, bool ok) {
  auto* o = static_cast<Outcome*>(arg);
  ++o->calls;
  o->ok = ok;
}

CheckedInRecord check_in(std::uint64_t student) {
  CheckedInRecord r;
  r.cls = domain::ClassId{4};
  r.session = domain::make_session_id(domain::ClassId{4}, 1);
  r.student = domain::UserId{student};
  r.at_ms = r.now_ms = 1'795'334'400'000 + static_cast<std::int64_t>(student);
  return r;
}

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

TEST_F(LogWriterTest, OneBatchPerFlushWithACommitAndWaitersToldAfterTheSync) {
  auto w = make();
  FaultyIo io(writer_);
  Outcome a, b;
  EXPECT_EQ(w->append(check_in(10)), 1u);
  w->when_durable({record_outcome, &a});
  EXPECT_EQ(w->append(check_in(11)), 2u);
  w->when_durable({record_outcome, &b});
  EXPECT_EQ(a.calls, 0);  // nothing is durable before the flush
  ASSERT_TRUE(w->flush(io));
  EXPECT_EQ(io.syncs, 1);  // one fdatasync for the whole batch
  EXPECT_EQ(a.calls, 1);
  EXPECT_TRUE(a.ok);
  EXPECT_TRUE(b.ok);
  EXPECT_EQ(w->durable_lsn(), 3u);  // two records and the Commit
  EXPECT_FALSE(w->flush(io));       // nothing new
  std::vector<std::string> keep;
  ScanResult::End end;
  const auto recs = on_disk(keep, &end);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].type, RecordType::CheckedIn);
  EXPECT_EQ(recs[2].type, RecordType::Commit);
  EXPECT_EQ(end, ScanResult::End::Clean);
  const auto back = decode(recs[1].type, recs[1].payload);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(std::get<CheckedInRecord>(*back).student.value, 11u);
}

TEST_F(LogWriterTest, AShortWriteIsResumedAndStillAcknowledgedOnce) {
  auto w = make();
  FaultyIo io(writer_);
  Outcome o;
  for (int i = 0; i < 20; ++i) w->append(check_in(100 + static_cast<std::uint64_t>(i)));
  w->when_durable({record_outcome, &o});
  io.short_write_bytes = 100;
  ASSERT_TRUE(w->flush(io));
  EXPECT_EQ(io.writes, 2);  // the rest was written
  EXPECT_EQ(o.calls, 1);
  EXPECT_TRUE(o.ok);
  std::vector<std::string> keep;
  EXPECT_EQ(on_disk(keep).size(), 21u);
}

TEST_F(LogWriterTest, WriteErrorsFailTheWriterAndEveryWaiter) {
  for (const int err : {EIO, ENOSPC}) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto w = make();
    FaultyIo io(writer_);
    Outcome first, second;
    w->append(check_in(1));
    w->when_durable({record_outcome, &first});
    io.write_error = err;
    w->flush(io);
    // Appended while the failed batch was in flight... then flushed: refused.
    EXPECT_EQ(first.calls, 1);
    EXPECT_FALSE(first.ok);
    EXPECT_FALSE(w->healthy());
    EXPECT_NE(w->error().find(std::strerror(err)), std::string::npos) << w->error();
    w->when_durable({record_outcome, &second});  // too late: told at once
    EXPECT_EQ(second.calls, 1);
    EXPECT_FALSE(second.ok);
    EXPECT_FALSE(w->flush(io));
  }
}

TEST_F(LogWriterTest, ASyncFailureIsNotRetried) {
  auto w = make();
  FaultyIo io(writer_);
  Outcome o;
  w->append(check_in(1));
  w->when_durable({record_outcome, &o});
  io.sync_error = EIO;
  w->flush(io);
  EXPECT_EQ(o.calls, 1);
  EXPECT_FALSE(o.ok);
  EXPECT_FALSE(w->healthy());
  EXPECT_EQ(io.syncs, 1);  // no second fdatasync that could falsely succeed
}

TEST_F(LogWriterTest, RecordsAppendedDuringAWriteGoInTheNextBatch) {
  auto w = make();
  // A backend that completes later, like io_uring.
  struct LaterIo final : LogIo {
    int fd = -1;
    std::uint64_t offset = 0;
    std::string data;
    void write_and_sync(int f, std::uint64_t o, std::string_view d) override {
      fd = f;
      offset = o;
      data.assign(d);
    }
  } io;
  Outcome first, second;
  w->append(check_in(1));
  w->when_durable({record_outcome, &first});
  ASSERT_TRUE(w->flush(io));
  w->append(check_in(2));
  w->when_durable({record_outcome, &second});
  EXPECT_FALSE(w->flush(io));  // one batch in flight at a time
  ASSERT_EQ(::pwrite(io.fd, io.data.data(), io.data.size(), static_cast<off_t>(io.offset)),
            static_cast<ssize_t>(io.data.size()));
  w->on_write(static_cast<int>(io.data.size()));
  w->on_sync(0, io);
  EXPECT_TRUE(first.ok);
  EXPECT_EQ(second.calls, 0);  // its batch has not been written yet
  ASSERT_TRUE(w->flush(io));
  ASSERT_EQ(::pwrite(io.fd, io.data.data(), io.data.size(), static_cast<off_t>(io.offset)),
            static_cast<ssize_t>(io.data.size()));
  w->on_write(static_cast<int>(io.data.size()));
  w->on_sync(0, io);
  EXPECT_TRUE(second.ok);
  EXPECT_EQ(w->stats().batches, 2u);
}

TEST_F(LogWriterTest, SegmentsRollAtTheSizeLimitAndOldOnesCanBeDropped) {
  auto w = make(4096);
  FaultyIo io(writer_);
  for (int batch = 0; batch < 40; ++batch) {
    for (int i = 0; i < 5; ++i) w->append(check_in(static_cast<std::uint64_t>(batch * 5 + i + 1)));
    ASSERT_TRUE(w->flush(io));
  }
  EXPECT_GE(w->stats().segments, 3u);  // ~16 KiB of batches in 4 KiB segments
  std::vector<std::string> keep;
  const auto recs = on_disk(keep);
  ASSERT_EQ(recs.size(), 40u * 6);  // 5 records + Commit per batch, across all segments
  for (std::size_t i = 0; i < recs.size(); ++i) EXPECT_EQ(recs[i].lsn, i + 1);
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

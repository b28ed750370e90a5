#pragma once
/// One shard's log appender: records appended during a loop turn form a batch that
/// is written and made durable with one fdatasync (group commit); whoever waits on
/// those records is released only when the fdatasync completed. The writer never
/// runs a waiter: it settles it (durable or not) and hands it out through
/// `take_released`, and its owner runs it on a later loop turn.
///
/// The writer does no I/O itself: it asks a `LogIo` to write a batch and sync it,
/// and is told the results (`on_write`, `on_sync`). The shard implements `LogIo` with
/// linked io_uring SQEs; tests use plain syscalls with injected faults. One batch is
/// in flight at a time; records appended meanwhile wait for the next batch, so under
/// load each fdatasync covers everything that arrived while the previous one ran.
///
/// On any write or sync error the writer fails for good: every waiter still pending
/// is released as not durable, later appends are refused, and the reason stays
/// available (a restart recovers the durable state).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/commands.hpp"
#include "rollcall/storage/log.hpp"

namespace rollcall::wal {

class LogIo {
 public:
  /// Write `data` at `offset` of `fd`, then fdatasync `fd` (linked: the sync runs only
  /// if the write completed fully). Results go to LogWriter::on_write / on_sync.
  virtual void write_and_sync(int fd, std::uint64_t offset, std::string_view data) = 0;

 protected:
  ~LogIo() = default;
};

struct LogWriterConfig {
  std::string dir;  ///< this shard's directory of this generation
  std::uint32_t shard = 0;
  std::uint64_t generation = 0;
  std::uint64_t first_lsn = 1;                    ///< LSN of the first record this writer appends
  std::uint64_t segment_bytes_max = 64ull << 20;  ///< roll to a new segment past this
};

struct LogWriterStats {
  std::uint64_t records = 0;          ///< appended (Commit records excluded)
  std::uint64_t durable_records = 0;  ///< of those, made durable
  std::uint64_t batches = 0;          ///< made durable
  std::uint64_t bytes = 0;            ///< written
  std::uint64_t syncs = 0;            ///< fdatasyncs completed
  std::uint64_t segments = 0;         ///< opened
};

class LogWriter {
 public:
  explicit LogWriter(LogWriterConfig config);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  bool healthy() const { return error_.empty(); }
  /// Why the writer failed ("" while healthy).
  const std::string& error() const { return error_; }

  /// Appends `command` (well formed) to the open batch and returns its LSN. Must be
  /// healthy.
  std::uint64_t append(const domain::Command& command);
  /// Releases `w` once every record appended so far is durable (at once if that is
  /// already so), or as not durable once the writer failed.
  void when_durable(std::unique_ptr<storage::Waiter> w);
  /// The waiters released since the last call, settled, in release order.
  std::vector<std::unique_ptr<storage::Waiter>> take_released();

  /// Closes the open batch and hands it to `io`, unless a batch is already in flight
  /// or nothing was appended. Call once per loop turn. Returns true if it submitted.
  bool flush(LogIo& io);

  /// Results of the I/O `flush` asked for: bytes written or -errno; 0 or -errno.
  void on_write(int result);
  void on_sync(int result, LogIo& io);

  bool idle() const { return inflight_.empty() && open_.empty(); }
  std::uint64_t durable_lsn() const { return durable_lsn_; }
  std::uint64_t next_lsn() const { return next_lsn_; }
  /// Bytes written to segments since the writer started or `reset_growth` was called.
  std::uint64_t growth_bytes() const { return growth_bytes_; }
  void reset_growth() { growth_bytes_ = 0; }
  const LogWriterStats& stats() const { return stats_; }

  /// Deletes segment files whose records all have LSN <= `lsn` (after a snapshot
  /// covering them is durable). Never deletes the segment being written.
  void drop_segments_through(std::uint64_t lsn);

 private:
  struct Segment {
    std::uint64_t first_lsn = 0;
    std::string path;
  };
  Status open_segment(std::uint64_t first_lsn);
  using Waiters = std::vector<std::unique_ptr<storage::Waiter>>;
  void fail(const std::string& why);
  void release(Waiters& waiters, bool ok);

  LogWriterConfig config_;
  std::string error_;
  int fd_ = -1;
  std::uint64_t offset_ = 0;       // next write position in the current segment
  std::vector<Segment> segments_;  // oldest first; back() is being written
  std::uint64_t next_lsn_;
  std::uint64_t durable_lsn_;
  // The open batch: records appended since the last flush.
  std::string open_;
  std::uint64_t open_first_lsn_ = 0;
  std::uint32_t open_records_ = 0;
  Waiters open_waiters_;
  // The batch being written.
  std::string inflight_;
  std::uint64_t inflight_offset_ = 0;
  std::size_t inflight_written_ = 0;
  std::uint64_t inflight_last_lsn_ = 0;
  std::uint32_t inflight_records_ = 0;  // Commit excluded
  int inflight_write_error_ = 0;
  Waiters inflight_waiters_;
  Waiters released_;
  std::uint64_t growth_bytes_ = 0;
  LogWriterStats stats_;
  std::string scratch_;
};

/// `<first_lsn:020>.wal`
std::string segment_file_name(std::uint64_t first_lsn);

}  // namespace rollcall::wal

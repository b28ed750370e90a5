#pragma once
/// The write-ahead log of one owner shard, as the storage::Log the owner writes
/// through: a LogWriter (batches, LSNs, segments) driven by the shard's ring (each
/// turn's batch becomes one linked write + fdatasync), a Checkpointer for
/// snapshots, and the shard's loop for waiters (released waiters are deferred to
/// the next turn, never run inside an I/O completion).

#include <cstdint>
#include <memory>
#include <string>

#include "rollcall/metrics/metrics.hpp"
#include "rollcall/shard/shard.hpp"
#include "rollcall/storage/health.hpp"
#include "rollcall/storage/log.hpp"
#include "rollcall/wal/checkpointer.hpp"
#include "rollcall/wal/log_writer.hpp"

namespace rollcall::wal {

struct ShardLogConfig {
  LogWriterConfig writer;
  std::uint64_t checkpoint_after_bytes = 64ull << 20;  ///< `--wal-snapshot-bytes`
  /// Told (flag `writer.shard`) when the log fails, before any waiter is; may be null.
  storage::Health* health = nullptr;
};

/// What a shard's log counts (data shards only).
struct alignas(64) LogMetrics {
  metrics::Counter records;   ///< log records made durable (Commit excluded)
  metrics::Counter bytes;     ///< log bytes written
  metrics::Counter syncs;     ///< fdatasyncs completed (= group commits)
  metrics::Counter failures;  ///< log failures (the shard then refuses writes)
  metrics::Counter snapshots;
  metrics::LatencyHistogram sync_duration;  ///< batch handed to the ring -> durable
  /// A batch's oldest record: appended -> durable (its wait for an earlier batch's
  /// fsync, then its own).
  metrics::LatencyHistogram commit_wait;
  metrics::LatencyHistogram snapshot_duration;
  metrics::CountHistogram batch_records;  ///< records per group commit

  void describe(metrics::Sink& s) const {
    s.family("rollcall_wal_records_total", "Log records made durable.").add(records);
    s.family("rollcall_wal_written_bytes_total", "Log bytes written.").add(bytes);
    s.family("rollcall_wal_fsyncs_total", "Group commits (one fdatasync each).").add(syncs);
    s.family("rollcall_wal_failures_total",
             "Log write or sync failures (the shard then refuses writes).")
        .add(failures);
    s.family("rollcall_wal_snapshots_total", "Snapshots written.").add(snapshots);
    s.family("rollcall_wal_fsync_duration_seconds",
             "Group commit: batch handed to the ring -> durable.")
        .add(sync_duration);
    s.family("rollcall_wal_commit_wait_seconds",
             "Group commit: a batch's oldest record appended -> durable (waiting for the "
             "fsync in flight, then its own).")
        .add(commit_wait);
    s.family("rollcall_wal_snapshot_duration_seconds", "Time to write a snapshot.")
        .add(snapshot_duration);
    s.family("rollcall_wal_batch_records", "Records per group commit.").add(batch_records);
  }
};

class ShardLog final : public storage::Log, public shard::LogCompletions, private LogIo {
 public:
  /// Registers itself for the shard's log completions, and its metrics in the
  /// shard's registry. Call before the shard runs.
  ShardLog(shard::Shard& shard, ShardLogConfig config);
  ShardLog(const ShardLog&) = delete;
  ShardLog& operator=(const ShardLog&) = delete;

  // storage::Log
  bool healthy() const override { return writer_.healthy(); }
  void append(const domain::Command& command) override;
  void when_durable(std::unique_ptr<storage::Waiter> waiter) override;
  void flush() override;
  bool checkpoint_due() const override;
  void checkpoint(const storage::Checkpoint& image) override;

  // shard::LogCompletions
  void on_log_write(int result) override;
  void on_log_sync(int result) override;

  const LogWriter& writer() const { return writer_; }
  const LogMetrics& metrics() const { return metrics_; }

 private:
  // LogIo
  void write_and_sync(int fd, std::uint64_t offset, std::string_view data) override;
  /// Defers every waiter the writer released to the next loop turn (after
  /// `note_health`, so a failure is known before any waiter is told).
  void defer_released();
  /// Counts a failure once (the writer stays failed), wherever it came from, and
  /// marks the shard failed in `health_`.
  void note_health();

  shard::Shard& shard_;
  storage::Health* health_;
  unsigned index_;  ///< the log's shard, as `health_` numbers it
  LogWriter writer_;
  Checkpointer checkpointer_;
  std::uint64_t checkpoint_after_bytes_;
  std::uint64_t batch_started_ns_ = 0;
  std::uint64_t batch_oldest_append_ns_ = 0;  ///< the batch in flight's oldest record
  std::uint64_t oldest_unbatched_ns_ = 0;     ///< 0: nothing appended since the last batch
  bool batch_open_ = false;
  bool failure_counted_ = false;
  LogWriterStats seen_;  ///< writer stats already turned into metrics
  LogMetrics metrics_;
};

}  // namespace rollcall::wal

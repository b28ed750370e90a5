#include "rollcall/wal/shard_log.hpp"

#include "rollcall/common/clock.hpp"
#include "rollcall/common/log.hpp"

namespace rollcall::wal {

ShardLog::ShardLog(shard::Shard& shard, ShardLogConfig config)
    : shard_(shard),
      health_(config.health),
      index_(config.writer.shard),
      writer_(config.writer),
      checkpointer_(config.writer.dir, config.writer.shard, config.writer.generation),
      checkpoint_after_bytes_(config.checkpoint_after_bytes) {
  shard_.set_log_completions(this);
  shard_.registry().add(metrics_);
}

void ShardLog::append(const domain::Command& command) {
  RC_ASSERT(healthy());
  if (oldest_unbatched_ns_ == 0) oldest_unbatched_ns_ = monotonic_ns();
  writer_.append(command);
}

void ShardLog::when_durable(std::unique_ptr<storage::Waiter> waiter) {
  writer_.when_durable(std::move(waiter));
  defer_released();
}

void ShardLog::flush() {
  writer_.flush(*this);
  defer_released();
}

bool ShardLog::checkpoint_due() const {
  return writer_.idle() && writer_.healthy() && writer_.growth_bytes() >= checkpoint_after_bytes_;
}

void ShardLog::checkpoint(const storage::Checkpoint& image) {
  RC_ASSERT(checkpoint_due());
  const std::uint64_t covered = writer_.durable_lsn();
  const std::uint64_t started_ns = monotonic_ns();
  Result<std::size_t> written = checkpointer_.write(covered, image);
  writer_.reset_growth();  // on failure: try again after as much growth again
  if (!written) {
    log::error("snapshot_failed", {{"shard", shard_.id()}, {"error", written.error()}});
    return;
  }
  writer_.drop_segments_through(covered);
  metrics_.snapshots.inc();
  metrics_.snapshot_duration.observe_ns(monotonic_ns() - started_ns);
  log::info("snapshot_written", {{"shard", shard_.id()},
                                 {"covered_lsn", static_cast<unsigned long long>(covered)},
                                 {"classes", static_cast<unsigned long>(image.classes.size())},
                                 {"bytes", static_cast<unsigned long>(*written)}});
}

void ShardLog::write_and_sync(int fd, std::uint64_t offset, std::string_view data) {
  if (!batch_open_) {  // a short write resubmits the rest of the same batch
    batch_open_ = true;
    batch_started_ns_ = monotonic_ns();
    batch_oldest_append_ns_ = oldest_unbatched_ns_ != 0 ? oldest_unbatched_ns_ : batch_started_ns_;
    oldest_unbatched_ns_ = 0;
  }
  shard_.submit_log_write(fd, offset, data);
}

void ShardLog::on_log_write(int result) {
  writer_.on_write(result);
}

void ShardLog::on_log_sync(int result) {
  writer_.on_sync(result, *this);
  const LogWriterStats& now = writer_.stats();
  if (now.batches != seen_.batches) {  // a batch became durable
    batch_open_ = false;
    const std::uint64_t now_ns = monotonic_ns();
    metrics_.sync_duration.observe_ns(now_ns - batch_started_ns_);
    metrics_.commit_wait.observe_ns(now_ns - batch_oldest_append_ns_);
    metrics_.syncs.inc(now.syncs - seen_.syncs);
    metrics_.bytes.inc(now.bytes - seen_.bytes);
    metrics_.batch_records.observe(now.durable_records - seen_.durable_records);
    metrics_.records.inc(now.durable_records - seen_.durable_records);
    seen_ = now;
  }
  defer_released();
}

void ShardLog::defer_released() {
  note_health();
  for (std::unique_ptr<storage::Waiter>& w : writer_.take_released()) shard_.defer(std::move(w));
}

void ShardLog::note_health() {
  if (!writer_.healthy() && !failure_counted_) {
    failure_counted_ = true;
    batch_open_ = false;
    metrics_.failures.inc();
    if (health_ != nullptr) health_->mark_failed(index_);
  }
}

}  // namespace rollcall::wal

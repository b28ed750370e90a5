// The write-ahead log on a shard: the ring adapter, the per-turn group commit, and
// snapshots when the log has grown enough.

#include "rollcall/api/durability.hpp"

#include <cstdio>
#include <filesystem>

#include "rollcall/api/feed_store.hpp"
#include "rollcall/api/live.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/wal/roster_file.hpp"
#include "rollcall/wal/snapshot.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::api {

void ShardLog::write_and_sync(int fd, std::uint64_t offset, std::string_view data) {
  if (!batch_open_) {  // a short write resubmits the rest of the same batch
    batch_open_ = true;
    batch_started_ns_ = monotonic_ns();
  }
  shard_.submit_log_write(fd, offset, data);
}

void ShardLog::note_health() {
  // The log fails at most once (it stays failed): count that once, wherever it came
  // from (a write, a sync, or creating a segment).
  if (!writer_.healthy() && !failure_counted_) {
    failure_counted_ = true;
    batch_open_ = false;
    shard_.metrics().wal_failures.inc();
  }
}

void ShardLog::flush() {
  writer_.flush(*this);
  note_health();
}

void ShardLog::on_log_sync(int result) {
  writer_.on_sync(result, *this);
  metrics::ShardMetrics& m = shard_.metrics();
  const wal::LogWriterStats& now = writer_.stats();
  if (now.batches != seen_.batches) {  // a batch became durable
    batch_open_ = false;
    m.wal_sync_duration.observe_ns(monotonic_ns() - batch_started_ns_);
    m.wal_syncs.inc(now.syncs - seen_.syncs);
    m.wal_bytes.inc(now.bytes - seen_.bytes);
    m.wal_batch_records.observe(now.durable_records - seen_.durable_records);
    m.wal_records.inc(now.durable_records - seen_.durable_records);
    seen_ = now;
  }
  note_health();
}

namespace {

// Writes a snapshot of this shard's classes covering everything durable, then drops
// what it covers. Only when the log is idle: then the in-memory state is exactly
// the durable state.
void snapshot(ShardState& st) {
  const std::uint64_t covered = st.log->durable_lsn();
  const std::uint64_t started_ns = monotonic_ns();
  std::vector<const domain::ClassAttendance*> classes;
  classes.reserve(st.classes.size());
  for (const auto& [id, att] : st.classes) classes.push_back(&att);
  const std::string image =
      wal::encode_snapshot(wal::SnapshotHeader{st.shard->id(), st.generation, covered}, classes);
  const std::string path = st.log_dir + "/" + wal::snapshot_file_name(covered);
  // Shard 0's enrollments of this generation live in its log; keep them with the
  // snapshot before the segments holding them go away.
  if (st.shard->id() == kRosterOwner) {
    const std::string roster_path = st.log_dir + "/" + wal::roster_snapshot_file_name(covered);
    if (rollcall::Status s = wal::write_roster_file(roster_path, *st.roster); !s) {
      log::error("snapshot_failed", {{"shard", st.shard->id()}, {"error", s.error()}});
      st.log->reset_growth();  // try again after as much growth again
      return;
    }
  }
  // The live-update history first. Without it the snapshot is still taken: that
  // only costs resumability (the next run gives these classes new epochs, clients
  // get a fresh snapshot), never data.
  StoredFeeds feeds;
  for (const auto& [cls, feed] : st.feeds) feeds.emplace(cls, stored_from(feed));
  const std::string feeds_path = st.log_dir + "/" + wal::feeds_file_name(covered);
  if (rollcall::Status s = wal::write_file_atomically(feeds_path, encode_feeds(feeds)); !s) {
    log::warn("feeds_snapshot_failed",
              {{"shard", st.shard->id()},
               {"error", s.error()},
               {"effect", "clients resuming after a restart get a fresh snapshot"}});
    std::error_code ignored;
    std::filesystem::remove(feeds_path, ignored);
  }
  if (rollcall::Status s = wal::write_file_atomically(path, image); !s) {
    log::error("snapshot_failed", {{"shard", st.shard->id()}, {"error", s.error()}});
    st.log->reset_growth();
    return;
  }
  // Older snapshots and rosters are covered by this one.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(st.log_dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool snap = name.rfind("snap-", 0) == 0 && name != wal::snapshot_file_name(covered);
    const bool roster =
        name.rfind("roster-", 0) == 0 && name != wal::roster_snapshot_file_name(covered);
    const bool feeds_file = name.rfind("feeds-", 0) == 0 && name != wal::feeds_file_name(covered);
    if (snap || roster || feeds_file) std::filesystem::remove(entry.path(), ec);
  }
  st.log->drop_segments_through(covered);
  st.log->reset_growth();
  metrics::ShardMetrics& m = st.shard->metrics();
  m.wal_snapshots.inc();
  m.wal_snapshot_duration.observe_ns(monotonic_ns() - started_ns);
  log::info("snapshot_written", {{"shard", st.shard->id()},
                                 {"covered_lsn", static_cast<unsigned long long>(covered)},
                                 {"classes", static_cast<unsigned long>(classes.size())},
                                 {"bytes", static_cast<unsigned long>(image.size())}});
}

}  // namespace

bool log_turn(ShardState& st) {
  wal::LogWriter& log = *st.log;
  if (log.idle() && log.healthy() && log.growth_bytes() >= st.services->snapshot_after_bytes)
    snapshot(st);
  st.log_io->flush();
  return false;  // submitting is not work that keeps the loop from sleeping
}

}  // namespace rollcall::api

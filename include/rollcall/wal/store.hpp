#pragma once
/// The log's files in the data directory, and how a new generation takes over.
///
///   <data-dir>/wal/CURRENT                      the generation in use ("42\n")
///   <data-dir>/wal/<gen:08>/roster.json         the roster at the generation's start
///   <data-dir>/wal/<gen:08>/push.bin            the push directory at its start (push_file.hpp)
///   <data-dir>/wal/<gen:08>/shard-<k>/snap-<lsn:020>.snap   snapshots (oldest kept
///                                                until a newer one is durable)
///   <data-dir>/wal/<gen:08>/shard-<k>/<first_lsn:020>.wal   log segments
///   <data-dir>/wal/<gen:08>/shard-<k>/feeds-<lsn:020>.bin    live-update history as of
///                                                the snapshot at that LSN
///   <data-dir>/wal/<gen:08>/shard-0/roster-<lsn:020>.json   the roster as of shard 0's
///                                                snapshot at that LSN (enrollments of
///                                                the generation up to it)
///   <data-dir>/wal/<gen:08>/shard-0/push-<lsn:020>.bin      the push directory as of
///                                                shard 0's snapshot at that LSN
///
/// Every start recovers the current generation (snapshots + logs of every shard that
/// wrote it), then writes generation + 1: the roster with every enrollment, and for
/// each shard of *this* run a snapshot of the classes it now owns (so a changed
/// `--shards` simply re-distributes classes). Only when all of it is durable does
/// CURRENT switch (write CURRENT.tmp, fsync, rename, fsync the directory); then the
/// old generation is deleted. A crash anywhere in between leaves CURRENT on the old,
/// complete generation. Within a generation the shard count is fixed, so each class
/// is written by exactly one shard's log, in LSN order.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/push.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/wal/records.hpp"

namespace rollcall::wal {

class LogStore {
 public:
  explicit LogStore(std::string data_dir);

  const std::string& wal_dir() const { return wal_dir_; }
  std::string generation_dir(std::uint64_t gen) const;
  std::string shard_dir(std::uint64_t gen, unsigned shard) const;
  std::string roster_path(std::uint64_t gen) const;
  std::string push_path(std::uint64_t gen) const;

  /// The generation CURRENT names; 0 when there is no log yet.
  Result<std::uint64_t> current_generation() const;

  /// Writes generation `gen`: its roster, one snapshot per shard (`classes_by_shard`)
  /// covering LSN 0, empty shard directories; then switches CURRENT to it and deletes
  /// every other generation. All durable before CURRENT changes.
  /// `feeds_by_shard` (optional, same size): each shard's `feeds-0.bin` image.
  Status start_generation(
      std::uint64_t gen, const domain::Roster& roster, const domain::PushDirectory& push,
      const std::vector<std::vector<const domain::ClassAttendance*>>& classes_by_shard,
      const std::vector<std::string>& feeds_by_shard = {}) const;

 private:
  std::string data_dir_;
  std::string wal_dir_;
};

/// `snap-<lsn:020>.snap`
std::string snapshot_file_name(std::uint64_t covered_lsn);
/// `roster-<lsn:020>.json`: the roster owner's roster as of a snapshot of shard 0.
std::string roster_snapshot_file_name(std::uint64_t covered_lsn);
/// `push-<lsn:020>.bin`: the roster owner's push directory as of a snapshot of shard 0.
std::string push_snapshot_file_name(std::uint64_t covered_lsn);
/// `feeds-<lsn:020>.bin`: the live-update history (seq, epoch, recent events) of the
/// shard's classes as of its snapshot at that LSN (format: api/feed_store.hpp).
std::string feeds_file_name(std::uint64_t covered_lsn);

/// Parses "<prefix><20 digits><suffix>" (segment and snapshot file names) into `n`;
/// false if the name has another shape.
bool parse_numbered_name(std::string_view name, std::string_view prefix, std::string_view suffix,
                         std::uint64_t& n);

/// Writes `bytes` to `path` atomically and durably: `path.tmp` (0600), fsync, rename,
/// fsync of the directory.
Status write_file_atomically(const std::string& path, std::string_view bytes);
/// fsync of a directory (after creating or renaming entries in it).
Status fsync_directory(const std::string& dir);

}  // namespace rollcall::wal

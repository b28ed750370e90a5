#pragma once
/// One shard's snapshots at run time: the owner's state as of the durable LSN,
/// written next to the log (`snap-<lsn>.snap`; the roster owner also
/// `roster-<lsn>.json`; the live-update history `feeds-<lsn>.bin`), each atomically
/// (temp file, fsync, rename, fsync of the directory). Once the snapshot is durable,
/// the older snapshot, roster and feeds files are removed; dropping the segments it
/// covers is the log writer's (it knows which are open).

#include <cstdint>
#include <string>

#include "rollcall/common/result.hpp"
#include "rollcall/storage/log.hpp"

namespace rollcall::wal {

class Checkpointer {
 public:
  Checkpointer(std::string dir, unsigned shard, std::uint64_t generation)
      : dir_(std::move(dir)), shard_(shard), generation_(generation) {}

  /// Writes `image` as the snapshot covering `covered_lsn`; returns the snapshot's
  /// size. On failure nothing older is removed (recovery still has what it needs).
  /// A feeds file that cannot be written only costs resumability: logged, not fatal.
  Result<std::size_t> write(std::uint64_t covered_lsn, const storage::Checkpoint& image) const;

 private:
  void remove_older(std::uint64_t covered_lsn) const;

  std::string dir_;
  unsigned shard_;
  std::uint64_t generation_;
};

}  // namespace rollcall::wal

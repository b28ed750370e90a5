#pragma once
/// Recovery plus checkpoint: what `rollcall serve` does before it accepts anything,
/// and what `rollcall import` does to change the roster of a stopped server.
///
/// Recovers the data directory's current log generation (classes, roster with its
/// enrollments, the live-update history that lets clients resume), then writes the
/// next generation with the classes distributed over `shards` and switches to it
/// (see wal/store.hpp). `edit_roster`, when given, replaces the recovered roster
/// before the new generation is written; if it fails nothing is written.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "rollcall/api/feed_store.hpp"
#include "rollcall/auth/secret.hpp"
#include "rollcall/common/result.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/wal/recovery.hpp"

namespace rollcall::app {

struct CheckpointOptions {
  unsigned shards = 1;               ///< shards of the generation written (this run's)
  std::uint32_t ring_events = 4096;  ///< live events kept per class
};

using RosterEdit = std::function<Result<std::shared_ptr<const domain::Roster>>(
    const std::shared_ptr<const domain::Roster>&)>;

/// `owned` and `feeds` receive one map per shard of the new generation.
Result<wal::RecoveredState> recover_and_checkpoint(
    const CheckpointOptions& options, const std::string& data_dir,
    std::shared_ptr<const domain::Roster> seed,
    std::vector<std::unordered_map<domain::ClassId, domain::ClassAttendance>>& owned,
    std::vector<api::StoredFeeds>& feeds, const auth::Key& epoch_key,
    const RosterEdit& edit_roster = {});

}  // namespace rollcall::app

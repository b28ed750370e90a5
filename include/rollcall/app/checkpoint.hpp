#pragma once
/// Recovery plus checkpoint: what `rollcall serve` does before it accepts anything,
/// and what `rollcall import` does to change the roster of a stopped server.
///
/// Loads what the storage engine holds, replays it (owner/recovery.hpp), rebuilds
/// the live-update history that lets clients resume (the saved history plus the
/// events the log's tail produces, encoded as live), then writes the next
/// generation with the classes spread over `shards` and switches to it.
/// `edit_roster`, when given, replaces the recovered roster before the new
/// generation is written; if it fails nothing is written.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "rollcall/auth/secret.hpp"
#include "rollcall/common/result.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/live/feed_store.hpp"
#include "rollcall/owner/owner.hpp"
#include "rollcall/storage/engine.hpp"

namespace rollcall::app {

struct CheckpointOptions {
  unsigned shards = 1;               ///< shards of the generation written (this run's)
  std::uint32_t ring_events = 4096;  ///< live events kept per class
};

using RosterEdit = std::function<Result<std::shared_ptr<const domain::Roster>>(
    const std::shared_ptr<const domain::Roster>&)>;

/// The state the new generation starts from, by shard of this run.
struct Checkpointed {
  std::uint64_t generation = 0;  ///< the one just written
  std::shared_ptr<const domain::Roster> roster;
  domain::PushDirectory push;  ///< users no longer in the roster left out
  std::vector<owner::Classes> classes;
  std::vector<live::StoredFeeds> feeds;
  std::uint64_t commands_replayed = 0;
  double seconds = 0;  ///< recovery's duration
};

Result<Checkpointed> recover_and_checkpoint(storage::Engine& engine,
                                            const CheckpointOptions& options,
                                            std::shared_ptr<const domain::Roster> seed,
                                            const auth::Key& epoch_key,
                                            const RosterEdit& edit_roster = {});

}  // namespace rollcall::app

#pragma once
/// A storage engine as a whole: what it holds at start (`load`), the new base it
/// writes before the shards start (`start_generation`), and each owner shard's log
/// (`open_log`). Replaying what was loaded is not the engine's business: the owner
/// layer applies the commands with the same domain function that ran live
/// (owner/recovery.hpp), whatever engine stored them.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/commands.hpp"
#include "rollcall/domain/push.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/storage/log.hpp"

namespace rollcall::shard {
class Shard;
}

namespace rollcall::storage {

struct LoggedCommand {
  std::uint64_t lsn = 0;
  domain::Command command;
};

/// Damage at the very end of a shard's log that was never acknowledged (a crash
/// during the last write): dropped, and reported.
struct TornTail {
  std::string file;
  std::size_t offset = 0;
  std::string reason;
};

/// What one owner shard of the stored generation left.
struct ShardHistory {
  unsigned shard = 0;
  std::vector<domain::ClassAttendance> classes;  ///< as of its checkpoint
  std::vector<LoggedCommand> commands;           ///< after the checkpoint, in order
  /// The live-update history saved with the checkpoint; nullopt when missing.
  std::optional<std::string> feeds;
  std::string feeds_file;  ///< where it came from (for messages)
  // What was read, for `rollcall wal verify`.
  std::uint64_t checkpoint_lsn = 0;
  std::uint64_t last_lsn = 0;
  std::size_t segments = 0;
  std::optional<TornTail> torn_tail;
};

struct Stored {
  std::uint64_t generation = 0;  ///< 0: nothing stored yet
  /// The roster as of the newest roster checkpoint; the Enroll commands in the
  /// histories come after it.
  std::shared_ptr<const domain::Roster> roster;
  /// The push directory as of the roster owner's checkpoint; the push commands in
  /// its history come after it.
  domain::PushDirectory push;
  std::vector<ShardHistory> shards;  ///< by shard id
};

/// The new base `start_generation` writes: the recovered state, spread over this
/// run's shards.
struct Generation {
  std::uint64_t number = 0;
  const domain::Roster* roster = nullptr;
  const domain::PushDirectory* push = nullptr;
  std::vector<std::vector<const domain::ClassAttendance*>> classes_by_shard;
  std::vector<std::string> feeds_by_shard;  ///< each shard's live-update history
};

class Engine {
 public:
  virtual ~Engine() = default;
  /// Where the engine keeps its data, for messages ("/var/lib/rollcall").
  virtual std::string location() const = 0;
  /// Reads everything durable. `seed` is the roster of an empty store.
  virtual Result<Stored> load(std::shared_ptr<const domain::Roster> seed) = 0;
  /// Writes `next` and makes it the state of record (atomically: a crash leaves the
  /// previous generation in force), then drops the previous one.
  virtual Status start_generation(const Generation& next) = 0;
  /// The log of owner shard `shard` (id `index`) in generation `generation`, bound to
  /// that shard's loop. Call before the shard runs.
  virtual Result<std::unique_ptr<Log>> open_log(shard::Shard& shard, unsigned index,
                                                std::uint64_t generation) = 0;
};

}  // namespace rollcall::storage

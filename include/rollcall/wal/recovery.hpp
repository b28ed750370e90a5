#pragma once
/// Recovery: rebuilds the state of record from the data directory's current
/// generation (see store.hpp) — the roster with its enrollments, and every class's
/// attendance — by loading each shard's newest valid snapshot and replaying its log
/// after it through the same domain functions that ran live.
///
/// Shards are read in parallel, one thread each. A torn tail (an incomplete last
/// batch of a shard's newest segment: a crash during a write nobody was told had
/// succeeded) is dropped and reported; anything else that does not check out —
/// a damaged record before the end, a missing segment, a record that does not apply
/// — is corruption: recovery fails and the Error names the file and byte offset.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/wal/format.hpp"
#include "rollcall/wal/records.hpp"

namespace rollcall::wal {

struct TornTail {
  std::string file;
  std::size_t offset = 0;
  std::string reason;
};

struct ShardLogSummary {
  unsigned shard = 0;
  std::uint64_t snapshot_lsn = 0;  ///< LSN the snapshot used covers
  std::uint64_t last_lsn = 0;      ///< last LSN recovered (snapshot or log)
  std::uint64_t records = 0;       ///< log records replayed (Commit records excluded)
  std::size_t segments = 0;
  std::size_t classes = 0;
  std::optional<TornTail> torn_tail;
  /// The live-update history saved with the snapshot used (`feeds-<lsn>.bin`), or "".
  std::string feeds_file;
};

struct RecoveredState {
  std::uint64_t generation = 0;  ///< 0: the data directory has no log yet
  std::shared_ptr<const domain::Roster> roster;
  std::unordered_map<domain::ClassId, domain::ClassAttendance> classes;
  std::vector<ShardLogSummary> shards;
  std::uint64_t records_replayed = 0;
  double seconds = 0;
};

/// Every log record seen, in LSN order per shard (for `rollcall wal dump`).
using RecordVisitor = std::function<void(unsigned shard, std::uint64_t lsn, const Record& record)>;

/// Called for every class record replayed, in log order, with the domain events it
/// produced (what the live call announced). Runs on the shard's recovery thread:
/// calls for different shards may run concurrently (their classes are disjoint).
using ReplayHook =
    std::function<void(unsigned shard, const domain::Roster& roster, const domain::ClassInfo& cls,
                       const domain::ClassAttendance& att, const Record& record,
                       const std::vector<domain::Event>& events)>;

/// Recovers the data directory. `seed_roster` is used when there is no generation
/// yet (fresh directory: the demo district or an imported roster).
Result<RecoveredState> recover(const std::string& data_dir,
                               std::shared_ptr<const domain::Roster> seed_roster,
                               const RecordVisitor& visit = {}, const ReplayHook& on_replayed = {});

/// Applies one class record to `att` as the live call did, appending the domain
/// events to `events` (if given). False (with `why`) if it does not apply the same
/// way (corruption or a bug: recovery refuses to go on).
bool replay(domain::ClassAttendance& att, const domain::ClassInfo& cls, const Record& record,
            std::string& why, std::vector<domain::Event>* events = nullptr);

}  // namespace rollcall::wal

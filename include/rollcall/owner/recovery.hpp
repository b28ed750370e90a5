#pragma once
/// Rebuilding the state of record from what a storage engine holds: the roster
/// plus the roster owner's enrollments, then every shard's classes from their
/// checkpoint plus their logged commands, each applied with the same domain
/// function that ran live, and checked to apply as it did live (applied, and
/// logging itself again). A command that does not is corruption (or a bug):
/// recovery refuses, naming the shard, LSN and class.
///
/// A class is replayed as it was at each command: students whose join the log
/// announces later (AnnounceJoin) are left out of it until then, so counts and
/// "everyone unmarked" come out as they did live. Shards replay in parallel (their
/// classes are disjoint).

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/owner/owner.hpp"
#include "rollcall/storage/engine.hpp"

namespace rollcall::owner {

struct Recovered {
  std::uint64_t generation = 0;
  std::shared_ptr<const domain::Roster> roster;
  domain::PushDirectory push;
  Classes classes;
  std::vector<std::size_t> classes_per_shard;  ///< of the stored generation's shards
  std::uint64_t commands_replayed = 0;
};

/// Called for every class command replayed, in log order per shard, with the class
/// as it was and what the command produced (its events: what live announced). Calls
/// for different shards may run concurrently.
using ReplayHook = std::function<void(
    unsigned shard, const domain::Roster& roster, const domain::ClassInfo& cls,
    const domain::ClassAttendance& att, const domain::Command& cmd, const domain::Outcome& out)>;

Result<Recovered> recover(storage::Stored stored, const ReplayHook& on_replayed = {});

/// Applies one logged command to `att` (class `cls` as it was) and checks that it
/// applied as it did live. False, with `why`, if it did not.
bool replay(domain::ClassAttendance& att, const domain::ClassInfo& cls, const domain::Command& cmd,
            std::string& why, domain::Outcome& out);

}  // namespace rollcall::owner

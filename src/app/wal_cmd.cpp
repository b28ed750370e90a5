#include "rollcall/app/wal_cmd.hpp"

#include <cstdio>
#include <string>

#include "rollcall/app/data_format.hpp"
#include "rollcall/owner/recovery.hpp"
#include "rollcall/wal/reader.hpp"
#include "rollcall/wal/records.hpp"
#include "src/app/cli_fail.hpp"

namespace rollcall::app {

namespace {

using ull = unsigned long long;

void print_shard(const storage::ShardHistory& s, std::size_t classes) {
  std::printf(
      "  shard %u: snapshot at LSN %llu, log to LSN %llu, %llu records in %zu segment(s), %zu "
      "classes\n",
      s.shard, static_cast<ull>(s.checkpoint_lsn), static_cast<ull>(s.last_lsn),
      static_cast<ull>(s.commands.size()), s.segments, classes);
  if (s.torn_tail) {
    std::printf(
        "  shard %u: torn tail at %s offset %zu (%s): a write that was never acknowledged; "
        "the next start drops it\n",
        s.shard, s.torn_tail->file.c_str(), s.torn_tail->offset, s.torn_tail->reason.c_str());
  }
}

}  // namespace

int run_wal_verify(const std::string& data_dir) {
  if (Result<std::uint32_t> f = check_data_format(data_dir, FormatUse::Read); !f) {
    return fail(f.error());
  }
  Result<storage::Stored> stored = wal::read_generation(data_dir, domain::RosterBuilder().build());
  if (!stored) return fail(data_dir + " is corrupt: " + stored.error());
  if (stored->generation == 0) {
    std::printf("%s: no log yet\n", data_dir.c_str());
    return 0;
  }
  const std::vector<storage::ShardHistory> shards = stored->shards;  // (replay consumes them)
  Result<owner::Recovered> state = owner::recover(std::move(*stored));
  if (!state) return fail(data_dir + " is corrupt: " + state.error());
  std::printf(
      "%s: generation %llu, %zu shard(s), %llu records, %zu classes, roster version %llu: ok\n",
      data_dir.c_str(), static_cast<ull>(state->generation), shards.size(),
      static_cast<ull>(state->commands_replayed), state->classes.size(),
      static_cast<ull>(state->roster->version()));
  for (std::size_t i = 0; i < shards.size(); ++i)
    print_shard(shards[i], state->classes_per_shard[i]);
  return 0;
}

int run_wal_dump(const std::string& data_dir) {
  if (Result<std::uint32_t> f = check_data_format(data_dir, FormatUse::Read); !f) {
    return fail(f.error());
  }
  Result<storage::Stored> stored = wal::read_generation(data_dir, domain::RosterBuilder().build());
  if (!stored) return fail(data_dir + " is corrupt: " + stored.error());
  for (const storage::ShardHistory& s : stored->shards) {
    for (const storage::LoggedCommand& r : s.commands) {
      const std::string json = wal::to_json(r.command);
      // {"type":...} -> {"shard":k,"lsn":n,"type":...}
      std::printf("{\"shard\":%u,\"lsn\":%llu,%s\n", s.shard, static_cast<ull>(r.lsn),
                  json.c_str() + 1);
    }
  }
  return 0;
}

}  // namespace rollcall::app

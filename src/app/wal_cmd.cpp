#include "rollcall/app/wal_cmd.hpp"

#include <cstdio>
#include <string>

#include "rollcall/wal/recovery.hpp"
#include "rollcall/wal/roster_file.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::app {

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "rollcall: %s\n", why.c_str());
  return 1;
}

}  // namespace

int run_wal_verify(const std::string& data_dir) {
  Result<wal::RecoveredState> state = wal::recover(data_dir, domain::RosterBuilder().build());
  if (!state) return fail(data_dir + " is corrupt: " + state.error());
  if (state->generation == 0) {
    std::printf("%s: no log yet\n", data_dir.c_str());
    return 0;
  }
  std::printf(
      "%s: generation %llu, %zu shard(s), %llu records, %zu classes, roster version %llu: ok\n",
      data_dir.c_str(), static_cast<unsigned long long>(state->generation), state->shards.size(),
      static_cast<unsigned long long>(state->records_replayed), state->classes.size(),
      static_cast<unsigned long long>(state->roster->version()));
  for (const wal::ShardLogSummary& s : state->shards) {
    std::printf(
        "  shard %u: snapshot at LSN %llu, log to LSN %llu, %llu records in %zu segment(s), %zu "
        "classes\n",
        s.shard, static_cast<unsigned long long>(s.snapshot_lsn),
        static_cast<unsigned long long>(s.last_lsn), static_cast<unsigned long long>(s.records),
        s.segments, s.classes);
    if (s.torn_tail) {
      std::printf(
          "  shard %u: torn tail at %s offset %zu (%s): a write that was never acknowledged; "
          "the next start drops it\n",
          s.shard, s.torn_tail->file.c_str(), s.torn_tail->offset, s.torn_tail->reason.c_str());
    }
  }
  return 0;
}

int run_wal_dump(const std::string& data_dir) {
  Result<wal::RecoveredState> state =
      wal::recover(data_dir, domain::RosterBuilder().build(),
                   [](unsigned shard, std::uint64_t lsn, const wal::Record& r) {
                     std::string json = wal::to_json(r);
                     // {"type":...} -> {"shard":k,"lsn":n,"type":...}
                     std::printf("{\"shard\":%u,\"lsn\":%llu,%s\n", shard,
                                 static_cast<unsigned long long>(lsn), json.c_str() + 1);
                   });
  if (!state) return fail(data_dir + " is corrupt: " + state.error());
  return 0;
}

}  // namespace rollcall::app

// Recovery plus checkpoint (see checkpoint.hpp): shared by serve and import.

#include "rollcall/app/checkpoint.hpp"

#include <sodium.h>

#include <chrono>
#include <unordered_map>

#include "rollcall/common/log.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/live/feed.hpp"
#include "rollcall/owner/recovery.hpp"

namespace rollcall::app {

namespace {

// The live events each replayed command produced, per shard of the old generation.
using Replayed = std::vector<std::unordered_map<domain::ClassId, std::vector<live::FeedEvent>>>;

void warn_torn_tails(const storage::Stored& stored) {
  for (const storage::ShardHistory& s : stored.shards) {
    if (!s.torn_tail) continue;
    log::warn("wal_torn_tail_truncated",
              {{"file", s.torn_tail->file},
               {"offset", static_cast<unsigned long>(s.torn_tail->offset)},
               {"reason", s.torn_tail->reason}});
  }
}

// A class history the live run started in this generation without it being
// snapshotted got the epoch history_epoch(generation, class): the same here. If a
// shard's saved history is missing or unreadable, its classes' seqs cannot go on
// where they were, so they get a random epoch (clients start afresh).
live::StoredFeeds rebuild_history(const std::vector<std::optional<std::string>>& saved,
                                  const std::vector<std::string>& files, Replayed& replayed,
                                  std::uint64_t generation, const auth::Key& epoch_key,
                                  std::uint32_t ring_events) {
  live::StoredFeeds all;
  for (std::size_t shard = 0; shard < saved.size(); ++shard) {
    bool known = saved[shard].has_value();
    if (!known) {
      log::warn("feeds_missing", {{"shard", static_cast<unsigned>(shard)},
                                  {"effect", "resuming clients get a fresh snapshot"}});
    } else if (Result<live::StoredFeeds> stored = live::decode_feeds(*saved[shard]); stored) {
      for (auto& [cls, f] : *stored) all[cls] = std::move(f);
    } else {
      // Only resumability is lost: those classes start a new epoch.
      log::warn("feeds_unreadable", {{"file", files[shard]}, {"error", stored.error()}});
      known = false;
    }
    for (auto& [cls, events] : replayed[shard]) {
      const std::uint32_t epoch = known ? live::history_epoch(epoch_key, generation, cls.value)
                                        : (randombytes_random() | 1u);
      live::append_events(all[cls], cls.value, events, ring_events, epoch);
    }
  }
  return all;
}

// Spreads the recovered state over this run's shards and writes it as the next
// generation.
Result<Checkpointed> write_generation(storage::Engine& engine, const CheckpointOptions& options,
                                      owner::Recovered recovered, live::StoredFeeds history) {
  Checkpointed out;
  out.generation = recovered.generation + 1;
  out.roster = recovered.roster;
  out.push = std::move(recovered.push);
  const domain::Roster& roster = *out.roster;
  out.push.retain_users([&roster](domain::UserId u) { return roster.user(u) != nullptr; });
  out.commands_replayed = recovered.commands_replayed;
  out.classes.assign(options.shards, {});
  out.feeds.assign(options.shards, {});
  for (auto& [id, att] : recovered.classes) {
    out.classes[owner::owner_of(id, options.shards)].emplace(id, std::move(att));
  }
  for (auto& [id, f] : history)
    out.feeds[owner::owner_of(id, options.shards)].emplace(id, std::move(f));
  storage::Generation next;
  next.number = out.generation;
  next.roster = out.roster.get();
  next.push = &out.push;
  next.classes_by_shard.resize(options.shards);
  for (unsigned k = 0; k < options.shards; ++k) {
    for (const auto& [id, att] : out.classes[k]) next.classes_by_shard[k].push_back(&att);
    next.feeds_by_shard.push_back(live::encode_feeds(out.feeds[k]));
  }
  if (Status s = engine.start_generation(next); !s) {
    return Error{"cannot start a new log generation: " + s.error()};
  }
  return out;
}

}  // namespace

Result<Checkpointed> recover_and_checkpoint(storage::Engine& engine,
                                            const CheckpointOptions& options,
                                            std::shared_ptr<const domain::Roster> seed,
                                            const auth::Key& epoch_key,
                                            const RosterEdit& edit_roster) {
  const auto started = std::chrono::steady_clock::now();
  Result<storage::Stored> stored = engine.load(std::move(seed));
  const std::string where = "cannot recover " + engine.location() + ": ";
  if (!stored) return Error{where + stored.error()};
  warn_torn_tails(*stored);
  std::vector<std::optional<std::string>> saved;
  std::vector<std::string> files;
  for (const storage::ShardHistory& s : stored->shards) {
    saved.push_back(s.feeds);
    files.push_back(s.feeds_file);
  }
  Replayed replayed(stored->shards.size());
  const owner::ReplayHook hook =
      [&replayed](unsigned shard, const domain::Roster& roster, const domain::ClassInfo& cls,
                  const domain::ClassAttendance& att, const domain::Command& cmd,
                  const domain::Outcome& out) {
        std::vector<live::FeedEvent>& into = replayed[shard][cls.id];
        for (live::FeedEvent& e :
             live::feed_events(roster, cls, att, out.events, domain::applied_at_ms(cmd))) {
          into.push_back(std::move(e));
        }
      };
  Result<owner::Recovered> recovered = owner::recover(std::move(*stored), hook);
  if (!recovered) return Error{where + recovered.error()};
  live::StoredFeeds history = rebuild_history(saved, files, replayed, recovered->generation,
                                              epoch_key, options.ring_events);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log::info("recovered",
            {{"generation", static_cast<unsigned long long>(recovered->generation)},
             {"records_replayed", static_cast<unsigned long long>(recovered->commands_replayed)},
             {"classes", static_cast<unsigned long>(recovered->classes.size())},
             {"seconds", std::to_string(seconds)}});
  if (edit_roster) {
    Result<std::shared_ptr<const domain::Roster>> edited = edit_roster(recovered->roster);
    if (!edited) return Error{edited.error()};
    recovered->roster = *edited;
  }
  Result<Checkpointed> out =
      write_generation(engine, options, std::move(*recovered), std::move(history));
  if (out) out->seconds = seconds;
  return out;
}

}  // namespace rollcall::app

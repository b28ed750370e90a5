// Recovery plus checkpoint (see checkpoint.hpp): shared by serve and import.

#include "rollcall/app/checkpoint.hpp"

#include <sodium.h>

#include <fstream>
#include <iterator>
#include <type_traits>
#include <variant>

#include "rollcall/api/context.hpp"
#include "rollcall/api/feed.hpp"
#include "rollcall/api/live_events.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::app {

namespace {

// The time a log record was applied at (what live events carry as timestamp).
std::int64_t record_time_ms(const wal::Record& r) {
  return std::visit(
      [](const auto& rec) -> std::int64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(rec)>, wal::EnrolledRecord>) {
          return 0;
        } else {
          return rec.now_ms;
        }
      },
      r);
}

}  // namespace

Result<wal::RecoveredState> recover_and_checkpoint(
    const CheckpointOptions& config, const std::string& data_dir,
    std::shared_ptr<const domain::Roster> seed,
    std::vector<std::unordered_map<domain::ClassId, domain::ClassAttendance>>& owned,
    std::vector<api::StoredFeeds>& feeds, const auth::Key& epoch_key,
    const RosterEdit& edit_roster) {
  // The events each replayed record produced, per shard of the old generation.
  std::vector<std::unordered_map<domain::ClassId, std::vector<api::FeedEvent>>> replayed(256);
  const wal::ReplayHook hook =
      [&replayed](unsigned shard, const domain::Roster& roster, const domain::ClassInfo& cls,
                  const domain::ClassAttendance& att, const wal::Record& record,
                  const std::vector<domain::Event>& events) {
        std::vector<api::FeedEvent>& out = replayed[shard][cls.id];
        const std::int64_t at = record_time_ms(record);
        if (const auto* joined = std::get_if<wal::ClassJoinedRecord>(&record)) {
          if (const domain::User* u = roster.user(joined->student))
            out.push_back(api::student_joined_class_event(*u, at));
          return;
        }
        for (api::FeedEvent& e : api::feed_events(roster, cls, att, events, at))
          out.push_back(std::move(e));
      };
  Result<wal::RecoveredState> state = wal::recover(data_dir, std::move(seed), {}, hook);
  if (!state) return Error{"cannot recover " + data_dir + ": " + state.error()};
  for (const wal::ShardLogSummary& s : state->shards) {
    if (s.torn_tail) {
      log::warn("wal_torn_tail_truncated",
                {{"file", s.torn_tail->file},
                 {"offset", static_cast<unsigned long>(s.torn_tail->offset)},
                 {"reason", s.torn_tail->reason}});
    }
  }
  // Live-update history: what the snapshots kept, then what the log's tail produced.
  // A class the live run started a history for in this generation without it being
  // snapshotted got the epoch history_epoch(generation, class): the same here. If
  // a shard's saved history is missing or unreadable, its classes' seqs cannot
  // continue where they were, so they get a random epoch (clients start afresh).
  api::StoredFeeds all_feeds;
  for (const wal::ShardLogSummary& s : state->shards) {
    bool history_known = true;
    if (s.feeds_file.empty()) {
      history_known = false;
      log::warn("feeds_missing",
                {{"shard", s.shard}, {"effect", "resuming clients get a fresh snapshot"}});
    } else {
      std::ifstream in(s.feeds_file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      Result<api::StoredFeeds> stored = api::decode_feeds(bytes);
      if (stored) {
        for (auto& [cls, f] : *stored) all_feeds[cls] = std::move(f);
      } else {
        // Only resumability is lost: those classes start a new epoch.
        log::warn("feeds_unreadable", {{"file", s.feeds_file}, {"error", stored.error()}});
        history_known = false;
      }
    }
    for (auto& [cls, events] : replayed[s.shard]) {
      const std::uint32_t epoch = history_known
                                      ? api::history_epoch(epoch_key, state->generation, cls.value)
                                      : (randombytes_random() | 1u);
      api::append_events(all_feeds[cls], cls.value, events, config.ring_events, epoch);
    }
  }
  log::info("recovered",
            {{"generation", static_cast<unsigned long long>(state->generation)},
             {"records_replayed", static_cast<unsigned long long>(state->records_replayed)},
             {"classes", static_cast<unsigned long>(state->classes.size())},
             {"seconds", std::to_string(state->seconds)}});
  if (edit_roster) {
    Result<std::shared_ptr<const domain::Roster>> edited = edit_roster(state->roster);
    if (!edited) return Error{edited.error()};
    state->roster = *edited;
  }
  owned.assign(config.shards, {});
  feeds.assign(config.shards, {});
  for (auto& [id, att] : state->classes)
    owned[api::owner_of(id, config.shards)].emplace(id, std::move(att));
  for (auto& [id, f] : all_feeds) feeds[api::owner_of(id, config.shards)].emplace(id, std::move(f));
  state->classes.clear();
  std::vector<std::vector<const domain::ClassAttendance*>> by_shard(config.shards);
  std::vector<std::string> feed_images(config.shards);
  for (unsigned k = 0; k < config.shards; ++k) {
    for (const auto& [id, att] : owned[k]) by_shard[k].push_back(&att);
    feed_images[k] = api::encode_feeds(feeds[k]);
  }
  const wal::LogStore store(data_dir);
  if (Status started =
          store.start_generation(state->generation + 1, *state->roster, by_shard, feed_images);
      !started) {
    return Error{"cannot start a new log generation: " + started.error()};
  }
  state->generation += 1;
  return state;
}

}  // namespace rollcall::app

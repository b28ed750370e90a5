#pragma once
/// The live-update history of classes as stored with snapshots, so that a client
/// resuming with `since`/`epoch` after a restart (clean or not) gets
/// `recovered: true`: each class's seq, epoch and the encoded events its ring still
/// held. Recovery then appends the events the log's tail produces, encoded exactly
/// as live (same functions, same inputs).
///
/// File (`feeds-<lsn:020>.bin`), little-endian: magic "RCALFEED" (8), version
/// (u32 = 1), class count (u32); per class: class id (u64), seq (u64), epoch (u32),
/// event count (u32), per event: seq (u64), blob bytes (u32), blob (a ClassRing event
/// blob, see broadcast/ring.hpp); then CRC32C (u32) of everything before it.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/types.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/live/feed.hpp"

namespace rollcall::live {

struct StoredFeed {
  std::uint64_t seq = 0;
  std::uint32_t epoch = 0;
  std::vector<std::pair<std::uint64_t, std::string>> events;  ///< (seq, blob), oldest first
};
using StoredFeeds = std::unordered_map<domain::ClassId, StoredFeed>;

std::string encode_feeds(const StoredFeeds& feeds);
Result<StoredFeeds> decode_feeds(std::string_view bytes);

/// Encodes `events` of class `cls` as the owner publishes them (next seqs, epoch),
/// as event blobs. `frames` receives one blob per event.
void encode_event_blobs(std::uint64_t class_id, std::uint64_t& seq, std::uint32_t epoch,
                        std::vector<FeedEvent>& events,
                        std::vector<std::pair<std::uint64_t, std::string>>& blobs);

/// Appends `events` to a stored feed, keeping at most `keep_events` of the newest. A
/// feed without an epoch yet takes `new_epoch` (what the live owner gave it).
void append_events(StoredFeed& feed, std::uint64_t class_id, std::vector<FeedEvent>& events,
                   std::size_t keep_events, std::uint32_t new_epoch);

/// The history a live feed's ring still holds.
StoredFeed stored_from(const ClassFeed& feed);

/// A live feed (ring, seq, epoch) holding a stored history.
void restore_feed(ClassFeed& out, const StoredFeed& stored, const LiveConfig& config,
                  unsigned shards);

}  // namespace rollcall::live

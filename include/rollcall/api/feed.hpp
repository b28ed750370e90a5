#pragma once
/// A class's live-update feed as its owner shard keeps it, and the live-update
/// settings. (See live.hpp for how events travel.)

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rollcall/broadcast/ring.hpp"

namespace rollcall::api {

struct LiveConfig {
  std::uint32_t ring_events = 4096;         ///< `--ring-events`: slots per class ring
  std::size_t ring_bytes = 1 << 20;         ///< `--ring-bytes`: arena per class ring
  std::size_t backlog_bytes_max = 1 << 20;  ///< `--ws-backlog-bytes-max`: then close 1013
  std::uint32_t ping_interval_ms = 30'000;
  std::uint32_t silence_timeout_ms = 75'000;
  std::size_t message_bytes_max = 64 * 1024;  ///< client messages; above: close 1009
  /// A class history's epoch is derived from this key, the log generation the
  /// history started in and the class (see history_epoch), so that recovery gives a
  /// history the epoch its clients saw even if it was never snapshotted.
  std::array<unsigned char, 32> epoch_key{};
  std::uint64_t generation = 0;  ///< this run's log generation
};

/// The epoch of a class history that starts in log generation `generation`: a keyed
/// hash (the data directory's secret), never 0, different after the data directory
/// is wiped (new secret) or in a later generation.
std::uint32_t history_epoch(const std::array<unsigned char, 32>& key, std::uint64_t generation,
                            std::uint64_t class_id);

/// The owner's side of one class's live updates.
struct ClassFeed {
  std::unique_ptr<broadcast::ClassRing> ring;
  std::uint64_t seq = 0;
  std::uint32_t epoch = 0;      ///< shown as 8 hex digits
  std::vector<bool> followers;  ///< per shard: has subscribers of this class
};

}  // namespace rollcall::api

#pragma once
/// A class's live-update feed as its owner shard keeps it, and the live-update
/// settings. (See live.hpp for how events travel.)

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rollcall/broadcast/ring.hpp"

namespace rollcall::api {

struct LiveConfig {
  std::uint32_t ring_events = 4096;             ///< `--ring-events`: slots per class ring
  std::size_t ring_bytes = 1 << 20;             ///< `--ring-bytes`: arena per class ring
  std::size_t backlog_bytes_max = 1 << 20;      ///< `--ws-backlog-bytes-max`: then close 1013
  std::uint32_t ping_interval_ms = 30'000;
  std::uint32_t silence_timeout_ms = 75'000;
  std::size_t message_bytes_max = 64 * 1024;    ///< client messages; above: close 1009
};

/// The owner's side of one class's live updates.
struct ClassFeed {
  std::unique_ptr<broadcast::ClassRing> ring;
  std::uint64_t seq = 0;
  std::uint32_t epoch = 0;              ///< shown as 8 hex digits
  std::vector<bool> followers;          ///< per shard: has subscribers of this class
};

}  // namespace rollcall::api

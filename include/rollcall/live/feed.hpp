#pragma once
/// The owner's side of live updates (API.md §5): each owned class's feed (its
/// `seq`, `epoch` and event ring), publishing durable events into it, and telling
/// the shards that follow a class that it advanced. The readers' side is
/// endpoint.hpp.
///
/// Publishing: once a change is durable, its events get the next seqs and are
/// encoded once per audience into the class's ring (frames.hpp); each shard that
/// has subscribers of the class is told at the end of the turn, one task per shard
/// however many classes advanced. Publishing never fails the change: a full ring
/// overwrites its oldest event.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "rollcall/broadcast/ring.hpp"
#include "rollcall/domain/types.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/metrics/metrics.hpp"
#include "rollcall/shard/shard.hpp"

namespace rollcall::live {

struct LiveConfig {
  std::uint32_t ring_events = 4096;  ///< `--ring-events`: slots per class ring
  std::size_t ring_bytes = 1 << 20;  ///< `--ring-bytes`: arena per class ring
  std::uint32_t ping_interval_ms = 30'000;
  std::uint32_t silence_timeout_ms = 75'000;
  std::size_t message_bytes_max = 64 * 1024;      ///< client messages; above: close 1009
  std::uint32_t subscriptions_per_user_max = 32;  ///< live subscriptions of one user, all shards
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

/// The staff view of a class (connection_established's "snapshot" for teachers and
/// admins), made once per state and shared by every subscriber that connects while
/// the class stays there: a reconnect storm costs one snapshot per change, not one
/// per teacher. Immutable once made; any shard may hold it. Dropped when the class
/// publishes (it is stale then) and when the class's last subscriber leaves.
struct SnapshotCache {
  std::shared_ptr<const std::string> json;
  std::uint64_t seq = 0;             ///< the class's seq it shows
  std::uint64_t roster_version = 0;  ///< and the roster (names, enrolment) it shows
  /// and the open session's rotating-code window it shows (0: no code rotates)
  std::int64_t code_key = 0;
};

/// The owner's side of one class's live updates.
struct ClassFeed {
  std::unique_ptr<broadcast::ClassRing> ring;
  std::uint64_t seq = 0;
  std::uint32_t epoch = 0;      ///< shown as 8 hex digits
  std::vector<bool> followers;  ///< per shard: has subscribers of this class
  SnapshotCache staff_snapshot;
};

/// What a data shard's feeds count, on the owner: events published, and the
/// subscriptions it answered (connection_established), by whether they resumed.
struct alignas(64) FeedMetrics {
  metrics::Counter events_published;
  metrics::Counter subscriptions_recovered;  ///< resumed with recovered:true
  metrics::Counter subscriptions_fresh;      ///< recovered:false (a snapshot)

  void describe(metrics::Sink& s) const {
    s.family("rollcall_ws_events_published_total", "Live events published.").add(events_published);
    s.family("rollcall_ws_subscriptions_total", "Subscriptions, by whether they resumed.")
        .add(subscriptions_recovered, {"recovered", "true"})
        .add(subscriptions_fresh, {"recovered", "false"});
  }
};

class Endpoint;
struct StoredFeed;

/// The feeds of the classes one data shard owns. Used only on that shard.
class Feeds {
 public:
  /// Adds its metrics to the shard's registry (before the shard runs).
  Feeds(shard::Shard& shard, const LiveConfig& config, unsigned data_shards);
  Feeds(const Feeds&) = delete;
  Feeds& operator=(const Feeds&) = delete;

  /// Every data shard's endpoint, by shard id (before the shards run).
  void connect(std::vector<Endpoint*> endpoints);
  const LiveConfig& config() const { return config_; }
  FeedMetrics& metrics() { return metrics_; }

  /// The class's feed; a new history (this generation's epoch) on first use.
  ClassFeed& feed(domain::ClassId cls);
  /// Publishes `events` of `cls` (durable by now): next seqs, into the ring; the
  /// followers hear of it at the end of the turn.
  void publish(domain::ClassId cls, std::vector<FeedEvent>& events);
  /// Whether shard `shard` has subscribers of `cls` (it says so itself).
  void set_follower(domain::ClassId cls, unsigned shard, bool follows);
  /// End of the turn: tells each follower shard which classes advanced. Returns
  /// false (nothing it did keeps the loop from sleeping).
  bool notify();

  /// The histories the rings still hold, encoded (feed_store.hpp): what a
  /// checkpoint keeps so clients can resume after a restart.
  std::string encoded_history() const;
  /// Takes over histories recovered at start (before the shards run).
  void restore(const std::unordered_map<domain::ClassId, StoredFeed>& stored);

 private:
  shard::Shard& shard_;
  const LiveConfig& config_;
  unsigned data_shards_;
  std::vector<Endpoint*> endpoints_;
  std::unordered_map<domain::ClassId, ClassFeed> feeds_;
  std::vector<std::vector<domain::ClassId>> advanced_;  ///< per shard, this turn
  EventFrameBuffers buffers_;
  FeedMetrics metrics_;
};

}  // namespace rollcall::live

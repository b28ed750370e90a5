#pragma once
/// Per-shard metrics: counters, gauges and histograms written only by their shard's
/// thread (a relaxed load + store, no locked instruction) and read by whichever
/// shard renders /metrics, which sums all shards at scrape time. No locks anywhere.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace rollcall::metrics {

/// Monotonic counter with a single writer.
class Counter {
 public:
  void inc(std::uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

/// Signed gauge with a single writer.
class Gauge {
 public:
  void add(std::int64_t n) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(std::int64_t n) { v_.store(n, std::memory_order_relaxed); }
  std::int64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

/// Latency histogram with fixed bucket bounds (seconds, Prometheus style);
/// observations in nanoseconds.
class LatencyHistogram {
 public:
  static constexpr std::array<std::uint64_t, 16> kBoundsNs = {
      50'000,      100'000,       250'000,       500'000,       1'000'000,   2'500'000,
      5'000'000,   10'000'000,    25'000'000,    50'000'000,    100'000'000, 250'000'000,
      500'000'000, 1'000'000'000, 2'500'000'000, 10'000'000'000};

  void observe_ns(std::uint64_t ns) {
    std::size_t i = 0;
    while (i < kBoundsNs.size() && ns > kBoundsNs[i]) ++i;
    buckets_[i].inc();  // buckets_[kBoundsNs.size()] is +Inf
    sum_ns_.inc(ns);
  }
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].get(); }
  std::uint64_t sum_ns() const { return sum_ns_.get(); }

 private:
  std::array<Counter, kBoundsNs.size() + 1> buckets_{};
  Counter sum_ns_;
};

/// Histogram of counts (batch sizes) with power-of-two bounds 1..4096.
class CountHistogram {
 public:
  static constexpr std::size_t kBuckets = 13;  // le = 1, 2, 4, ..., 4096, then +Inf
  void observe(std::uint64_t n) {
    std::size_t i = 0;
    while (i < kBuckets && n > (1ull << i)) ++i;
    buckets_[i].inc();
    sum_.inc(n);
  }
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].get(); }
  std::uint64_t sum() const { return sum_.get(); }

 private:
  std::array<Counter, kBuckets + 1> buckets_{};
  Counter sum_;
};

/// Everything one shard counts. Field names match the exported names.
struct alignas(64) ShardMetrics {
  Gauge connections_open;
  Counter connections_accepted;
  Counter connections_refused_capacity;  ///< over --max-connections: closed at once
  Counter accept_errors;                 ///< accept failed (EMFILE, ENFILE, ENOMEM...)
  Counter connections_closed;
  Counter http_requests_by_class[6];       ///< index = status / 100 (1..5)
  LatencyHistogram http_request_duration;  ///< head parsed -> response queued
  Counter http_timeouts_header;            ///< 408: headers (or body) too slow
  Counter http_timeouts_idle;              ///< keep-alive connection idle too long
  Counter loop_turns;
  Counter sqes_submitted;
  Counter cqes_reaped;
  Counter stale_completions;  ///< CQE for a reused slot (generation mismatch)
  Counter bytes_received;
  Counter bytes_sent;
  Counter recv_buffers_exhausted;  ///< multishot recv ended with -ENOBUFS
  Counter backlog_overflows;       ///< connections closed over the output backlog limit
  Counter messages_sent;           ///< cross-shard messages posted
  Counter messages_received;       ///< cross-shard messages handled
  Counter mailbox_full;            ///< posts that found the SPSC queue full
  Counter wal_records;             ///< log records made durable (Commit excluded)
  Counter wal_bytes;               ///< log bytes written
  Counter wal_syncs;               ///< fdatasyncs completed (= group commits)
  Counter wal_failures;            ///< log failures (the shard then refuses writes)
  Counter wal_snapshots;
  LatencyHistogram wal_sync_duration;  ///< batch handed to the ring -> durable
  LatencyHistogram wal_snapshot_duration;
  CountHistogram wal_batch_records;     ///< records per group commit
  Gauge ws_subscribers_open;            ///< WebSocket subscribers (attendance feeds)
  Counter ws_events_published;          ///< events published (owner shards)
  Counter ws_frames_sent;               ///< event frames fanned out to subscribers
  Counter ws_bytes_sent;                ///< bytes of those frames
  Counter ws_ring_overruns;             ///< a shard found events already overwritten
  Counter ws_slow_closes;               ///< subscribers closed with 1013 (too slow or lapped)
  Counter ws_resumes;                   ///< subscriptions (connection_established sent)
  Counter ws_resumes_recovered;         ///< of those, resumed with recovered:true
  LatencyHistogram ws_publish_to_send;  ///< event published -> frames queued on this shard
  Counter sync_batches;                 ///< POST /sync batches answered 200 (accepting shard)
  Counter sync_ops[4];  ///< their ops by outcome: applied, duplicate, superseded, rejected
};

/// Renders Prometheus text format 0.0.4 for all shards plus process figures.
class Exposition {
 public:
  /// `shards`: every shard's metrics, connection shards first; `connection_shards`:
  /// how many of them accept connections (the rest are auxiliary).
  Exposition(std::vector<const ShardMetrics*> shards, std::size_t connection_shards)
      : shards_(std::move(shards)), connection_shards_(connection_shards) {}
  explicit Exposition(std::vector<const ShardMetrics*> shards)
      : shards_(std::move(shards)), connection_shards_(shards_.size()) {}
  /// Appends the full exposition to `out`. Safe to call from any shard's thread.
  void render(std::string& out) const;
  /// Start-up recovery figures (set once before the shards start).
  void set_recovery(double seconds, std::uint64_t records) {
    recovery_seconds_ = seconds;
    recovery_records_ = records;
  }

 private:
  std::vector<const ShardMetrics*> shards_;
  std::size_t connection_shards_;
  double recovery_seconds_ = 0;
  std::uint64_t recovery_records_ = 0;
};

}  // namespace rollcall::metrics

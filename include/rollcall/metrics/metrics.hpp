#pragma once
/// Metrics: counters, gauges and histograms written only by their shard's thread (a
/// relaxed load + store, no locked instruction) and read by whichever shard renders
/// /metrics, which sums all shards at scrape time. No locks anywhere.
///
/// Each subsystem declares its own metrics beside its code, once: a group struct of
/// metric objects (e.g. `shard::ShardMetrics`, `http::HttpMetrics`) and, right under
/// it, its `describe(Sink&)` giving each one's name, help and labels. The owner
/// holds one instance per shard and adds it to the shard's `Registry`; `Exposition`
/// renders every registry generically. Writing a metric is a plain member access.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
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

/// One label of a sample, `name="value"` (none when `name` is empty).
struct Label {
  std::string_view name;
  std::string_view value;
};

class Sink;
class Registry;

/// One metric family while it is being described. A sample added under labels that
/// another instance of the group (another shard) already gave is summed with it.
/// The family's TYPE follows from what is added: a Counter makes a counter, a
/// Gauge or a computed value a gauge, a histogram a histogram.
class Family {
 public:
  Family& add(const Counter& c, Label label = {});
  Family& add(const Gauge& g, Label label = {});
  Family& add(const LatencyHistogram& h, Label label = {});
  Family& add(const CountHistogram& h, Label label = {});
  /// A figure computed at scrape time (process-wide values), exported as a gauge.
  Family& value(std::uint64_t v, Label label = {});
  Family& value(double v, Label label = {});

 private:
  friend class Sink;
  Family(Sink& sink, std::size_t index) : sink_(sink), index_(index) {}
  Sink& sink_;
  std::size_t index_;
};

/// What a group describes itself to, at scrape time: every group instance of every
/// registry names each of its metrics once (`family(name, help).add(member,
/// label)`), and the sink sums the samples of equal name and labels over instances.
/// A name declared twice must be declared alike (help, type, value kind): the
/// process stops otherwise (a unit test renders every group, so it stops there).
class Sink {
 public:
  Family family(std::string_view name, std::string_view help);
  /// `shard="<id>"` for a sample of the shard being described (per-shard series
  /// rather than a sum). Only inside a shard's registry.
  Label shard_label() const;

  /// Describes every group of `registry` (its shard label while doing so).
  void describe(const Registry& registry);
  /// Appends the text exposition (Prometheus 0.0.4) of everything described.
  void write(std::string& out) const;

 private:
  friend class Family;
  enum class Type : std::uint8_t { Counter, Gauge, Histogram };
  enum class Format : std::uint8_t { Unsigned, Signed, Real, LatencyBuckets, CountBuckets };
  struct Series {
    std::string labels;  ///< `name="value"`, or empty
    Format format = Format::Unsigned;
    std::uint64_t u = 0;                 ///< Unsigned; histogram sum
    std::int64_t i = 0;                  ///< Signed
    double d = 0;                        ///< Real
    std::vector<std::uint64_t> buckets;  ///< histograms: per bucket, not cumulative
  };
  struct FamilyData {
    std::string name;
    std::string help;
    Type type = Type::Counter;
    std::vector<Series> series;
  };
  Series& series(std::size_t family, Type type, Format format, Label label);
  void write_histogram(std::string& out, const FamilyData& f, const Series& s) const;

  std::vector<FamilyData> families_;  ///< in the order first described
  std::unordered_map<std::string, std::size_t> index_;
  const Registry* registry_ = nullptr;  ///< being described
};

/// The groups of metrics of one shard (or of the process), in the order they were
/// added. A group is a struct of metric objects with a `void describe(Sink&) const`
/// written beside it; it must outlive every render. Groups are added before the
/// shards run (`seal` closes the registry then); nothing is added afterwards, so
/// renders on any shard read the list without a lock.
class Registry {
 public:
  Registry() = default;  ///< process-wide figures: no shard label
  explicit Registry(unsigned shard) : shard_(std::to_string(shard)) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  template <typename Group>
  void add(const Group& group) {
    add_entry(&group,
              [](const void* g, Sink& sink) { static_cast<const Group*>(g)->describe(sink); });
  }
  void seal() { sealed_ = true; }

  /// The shard's id as label text; empty for the process registry.
  const std::string& shard() const { return shard_; }

 private:
  friend class Sink;  // Sink::describe: with this registry's shard label
  void describe(Sink& sink) const {
    for (const Entry& e : entries_) e.describe(e.group, sink);
  }
  struct Entry {
    const void* group;
    void (*describe)(const void* group, Sink& sink);
  };
  void add_entry(const void* group, void (*describe)(const void*, Sink&));

  std::string shard_;
  std::vector<Entry> entries_;
  bool sealed_ = false;
};

/// /metrics: every registry's groups, summed by name and labels, as Prometheus text
/// format 0.0.4. Rare (a scrape), so it may allocate.
class Exposition {
 public:
  /// `registries`: the process-wide one and every shard's, in the order to render.
  explicit Exposition(std::vector<const Registry*> registries)
      : registries_(std::move(registries)) {}
  /// Appends the full exposition to `out`. Safe to call from any shard's thread.
  void render(std::string& out) const;

 private:
  std::vector<const Registry*> registries_;
};

}  // namespace rollcall::metrics

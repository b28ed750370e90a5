#pragma once
/// The shard runtime: N shard threads, one fixed-capacity SPSC queue per ordered
/// pair of shards (N*N, including each shard to itself), the wake-up protocol, and
/// start/stop coordination.
///
/// Wake-up protocol (no lost wake-ups, at most one MSG_RING per target per turn):
///   producer: push to queue; seq_cst fence; if `wake_flag[target].exchange(true)`
///             was false, send IORING_OP_MSG_RING to the target's ring.
///   consumer: at the top of every loop turn, `wake_flag[self].store(false)`;
///             seq_cst fence; then drain every incoming queue.
/// A push the consumer's drain missed happened after the consumer cleared the flag,
/// so that producer saw false and sent a wake-up.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/shard/message.hpp"
#include "rollcall/shard/shard.hpp"
#include "rollcall/shard/spsc_queue.hpp"

namespace rollcall::shard {

class Runtime {
 public:
  struct Options {
    unsigned shard_count = 1;             ///< shards that accept connections and own classes
    unsigned aux_shard_count = 0;         ///< extra shards for slow work (password hashing):
                                          ///< no listener, not pinned, ids after the others
    std::size_t mailbox_capacity = 4096;  ///< messages per (from, to) queue, power of two
    ShardConfig shard;                    ///< template for every shard
    std::vector<int> listen_fds;          ///< one per shard, or empty
    int signal_fd = -1;                   ///< given to shard 0
  };
  using HandlerFactory = std::function<net::ConnectionHandler*(Shard&)>;
  using ShardHook = std::function<void(Shard&)>;

  explicit Runtime(Options options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Creates the shards, gives each a handler from `make_handler` (may return null
  /// for shards without connections), calls `before_run` on each shard's thread after
  /// its ring is ready, and starts the loops. Returns once every shard initialised,
  /// or the first error (then no loop runs and `join` returns at once).
  Status start(const HandlerFactory& make_handler, const ShardHook& before_run = {});
  /// Waits for every shard thread to finish.
  void join();

  /// Thread-safe. Stops accepting, drains connections, then the loops end. Shards
  /// notice within one timer tick; a shard calling this also wakes the others.
  void begin_shutdown();
  bool shutting_down() const { return stop_requested_.load(std::memory_order_acquire); }
  /// True once every shard runs its loop, until shutdown begins.
  bool ready() const { return ready_.load(std::memory_order_acquire) && !shutting_down(); }

  /// All shards, auxiliary ones included (what mailboxes are sized for).
  unsigned shard_count() const { return options_.shard_count + options_.aux_shard_count; }
  /// Shards that accept connections and own classes: ids 0..data_shard_count()-1.
  unsigned data_shard_count() const { return options_.shard_count; }
  Shard& shard(unsigned i) { return *shards_[i]; }
  /// Every shard's metrics registry, by shard id (the auxiliary shards last).
  std::vector<const metrics::Registry*> registries() const;

  // Used by shards.
  SpscQueue<Message>& queue(unsigned from, unsigned to) {
    return *queues_[from * shard_count() + to];
  }
  /// Producer side of the wake-up protocol: true if the caller must send MSG_RING.
  bool claim_wake(unsigned target);
  /// Consumer side: called at the top of every turn before draining.
  void clear_wake(unsigned self);
  int ring_fd(unsigned shard) const { return ring_fds_[shard].load(std::memory_order_acquire); }
  void report_drained() { drained_.fetch_add(1, std::memory_order_acq_rel); }
  bool all_drained() const { return drained_.load(std::memory_order_acquire) == shard_count(); }

 private:
  struct alignas(kCacheLineBytes) WakeFlag {
    std::atomic<bool> pending{false};
  };

  static constexpr int kGateClosed = 0;
  static constexpr int kGateGo = 1;
  static constexpr int kGateAbort = 2;
  void open_gate(int state);

  Options options_;
  ShardHook before_run_;
  std::vector<int> init_results_;
  std::atomic<int> start_gate_{kGateClosed};
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<SpscQueue<Message>>> queues_;
  std::unique_ptr<WakeFlag[]> wake_flags_;
  std::unique_ptr<std::atomic<int>[]> ring_fds_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> ready_{false};
  std::atomic<unsigned> drained_{0};
};

}  // namespace rollcall::shard

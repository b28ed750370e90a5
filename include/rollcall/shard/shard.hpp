#pragma once
/// One shard: a thread pinned to a core with its own io_uring ring, listener,
/// provided-buffer ring, connection slots, timer wheel and metrics. Shards share
/// nothing mutable except the SPSC mailboxes between them (see runtime.hpp).
///
/// Loop turn (one submit per turn):
///   1. drain incoming mailboxes, run due pollers
///   2. move overflowed posts into their queues; send wake-ups (MSG_RING)
///   3. re-arm starved receives; queue sends for every connection flushed this turn
///   4. submit everything and wait for at least one completion (unless work is pending)
///   5. reap all ready completions in one batch and dispatch them by op

#include <sys/signalfd.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "rollcall/io/buf_ring.hpp"
#include "rollcall/io/ring.hpp"
#include "rollcall/metrics/metrics.hpp"
#include "rollcall/net/address_admission.hpp"
#include "rollcall/net/connection.hpp"
#include "rollcall/net/handler.hpp"
#include "rollcall/net/timer_wheel.hpp"
#include "rollcall/shard/message.hpp"
#include "rollcall/shard/shard_metrics.hpp"
#include "rollcall/shard/task.hpp"

namespace rollcall::shard {

class Runtime;

/// Receives the completions of `Shard::submit_log_write`.
class LogCompletions {
 public:
  virtual void on_log_write(int result) = 0;
  virtual void on_log_sync(int result) = 0;

 protected:
  ~LogCompletions() = default;
};

struct ShardConfig {
  std::uint32_t max_connections = 10000;  ///< connection slots of this shard
  unsigned sq_entries = 4096;
  unsigned cq_entries = 16384;
  unsigned recv_buffers = 2048;  ///< provided buffers (power of two)
  unsigned recv_buffer_bytes = 4096;
  /// Receives take only the bytes they need from a buffer (Linux 6.12+; whole
  /// buffers on older kernels): see io/buf_ring.hpp.
  bool recv_incremental = true;
  std::uint32_t tick_ms = 100;                ///< timer wheel resolution
  std::uint32_t linger_ms = 2000;             ///< graceful close: wait this long for the peer's FIN
  std::uint32_t shutdown_timeout_ms = 10000;  ///< on SIGTERM: force-close what is left after this
  std::size_t in_bytes_max = 2 * 1024 * 1024;   ///< unconsumed input per connection before abort
                                                ///< (also what a closing peer may still send)
  std::size_t out_bytes_max = 1024 * 1024;      ///< output budget per connection (net::Reactor)
  std::uint32_t send_timeout_ms = 30000;        ///< owed bytes, no progress this long: disconnect
  std::size_t overflow_messages_max = 1 << 16;  ///< per destination, beyond the SPSC queue
  /// Pin to one of the process's cores (`--pin-shards`); off, the OS places the
  /// thread, which serves better when other busy work shares the cores.
  bool pin_to_core = false;
  int listen_fd = -1;  ///< -1: this shard accepts nothing (tests)
  int signal_fd = -1;  ///< read by this shard when >= 0 (shard 0)
  /// The per-address cap, by TCP peer (trusted proxies are exempt; with
  /// --proxy-protocol shard/proxy_intake.hpp counts the clients they name); shared
  /// by all shards; null: no cap.
  net::AddressAdmission* per_address = nullptr;
};

class Shard final : public net::Reactor {
 public:
  /// Called once per loop turn on the shard's thread; returns true if it did work
  /// (the loop then polls instead of sleeping).
  using Poller = std::function<bool(Shard&)>;

  Shard(Runtime& runtime, unsigned id, const ShardConfig& config, net::ConnectionHandler* handler);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  /// Sets up the ring and buffers on the calling thread. Returns 0 or -errno.
  int init();
  /// Runs the loop until the runtime has stopped and every shard has drained.
  void run();

  unsigned id() const { return id_; }
  Runtime& runtime() { return runtime_; }
  ShardMetrics& metrics() { return metrics_; }
  const ShardMetrics& metrics() const { return metrics_; }
  /// This shard's groups of metrics (its own first): parts that run on the shard
  /// add theirs before it runs (Runtime::start seals it).
  metrics::Registry& registry() { return registry_; }
  const metrics::Registry& registry() const { return registry_; }
  std::string_view ring_mode() const { return ring_.mode(); }
  int ring_fd() const { return ring_.fd(); }
  net::ConnectionTable& connections() { return connections_; }

  enum class PostMode : std::uint8_t {
    Bounded,  ///< refuse when the queue and the bounded overflow are full
    Always,   ///< control messages that must not be lost (rare: roster installs and
              ///< their acknowledgements, replies); may exceed the overflow bound
  };

  /// Posts `message` to shard `to` (this shard included). FIFO per (from, to) pair.
  /// Returns false only in Bounded mode, if the queue and this shard's overflow are
  /// full. Must be called on this shard's thread.
  bool post(unsigned to, Message message, PostMode mode = PostMode::Bounded);
  /// Posts an owned task to shard `to` (to this shard: as `defer`). On success the
  /// task has moved out of `task`; on refusal (Bounded mode, mailbox full) it stays.
  [[nodiscard]] bool post(unsigned to, std::unique_ptr<Task>& task,
                          PostMode mode = PostMode::Bounded);
  /// Runs `task` on this shard at the top of the next loop turn (completions of any
  /// kind: never inline in the code that produced them). FIFO.
  void defer(std::unique_ptr<Task> task);

  /// Sets the protocol handler (before `run`).
  void set_handler(net::ConnectionHandler* handler) { handler_ = handler; }
  /// Queues a write of `data` at `offset` of `fd`, linked to an fdatasync of `fd`
  /// (IOSQE_IO_LINK: the sync runs only if the write completed in full). `data` must
  /// stay valid until the write completes. Results go to the LogCompletions.
  void submit_log_write(int fd, std::uint64_t offset, std::string_view data);
  void set_log_completions(LogCompletions* c) { log_completions_ = c; }

  /// True if a `post` to `to` will succeed now (its queue or our overflow has room).
  bool can_post(unsigned to) const { return overflow_[to].size() < config_.overflow_messages_max; }

  /// Adds a poller (before `run`).
  void add_poller(Poller poller) { pollers_.push_back(std::move(poller)); }

  /// Stop accepting and ask every connection to finish (runs on this shard).
  void begin_stop();

  // net::Reactor
  void flush(net::Connection& c) override;
  void close(net::Connection& c, net::CloseMode mode) override;
  void set_deadline(net::Connection& c, std::uint64_t deadline_ms) override;
  void clear_deadline(net::Connection& c) override;
  void set_receiving(net::Connection& c, bool receiving) override;
  std::uint64_t now_ms() const override { return now_ms_; }
  std::size_t output_budget() const override { return config_.out_bytes_max; }

 private:
  void arm_accept();
  void arm_recv(net::Connection& c);
  void arm_tick();
  void arm_signal_read();
  void dispatch(const io_uring_cqe& cqe);
  void on_accept(const io_uring_cqe& cqe);
  bool admit_address(int fd, const std::optional<net::IpAddress>& peer, std::uint32_t& held);
  void on_recv(const io_uring_cqe& cqe);
  /// A recv that ended with `error` (an errno): wait for buffers, re-arm, or abort.
  void on_recv_failed(net::Connection& c, int error);
  void on_send(const io_uring_cqe& cqe);
  void on_tick();
  /// After a storm (many connections gone, or pooled output buffers idle for a
  /// whole interval): frees the idle buffers and has the allocator give free pages
  /// back to the kernel, so RSS follows the load down.
  void hand_back_memory();
  static constexpr std::uint64_t kMemoryTrimIntervalMs = 5000;
  static constexpr std::uint64_t kMemoryTrimAfterCloses = 1000;
  static constexpr std::size_t kMemoryTrimAfterBuffers = 64;  ///< 1 MiB of output buffers
  void on_signal(const io_uring_cqe& cqe);
  void on_deadline(std::uint32_t index);
  void on_send_timeout(std::uint32_t index);
  void enforce_budget(net::Connection& c);
  void resume_after_drain(net::Connection& c);
  void cancel_recv(net::Connection& c);
  void start_linger(net::Connection& c);
  /// Counts `len` bytes read while closing gracefully (from `close` on, the answer
  /// still owed or already sent); false (and the connection reset) once they pass
  /// the input bound.
  bool discard_while_closing(net::Connection& c, std::size_t len);
  void abort_connection(net::Connection& c);
  void maybe_release(net::Connection& c);
  bool drain_mailboxes();
  bool run_deferred();
  void receive(const Message& m);
  void flush_overflow();
  void send_wakes();
  void flush_sends();
  bool run_pollers();
  void check_drained();

  Runtime& runtime_;
  const unsigned id_;
  ShardConfig config_;
  net::ConnectionHandler* handler_;
  LogCompletions* log_completions_ = nullptr;
  io::Ring ring_;
  io::BufRing buffers_;
  net::ConnectionTable connections_;
  net::TimerWheel wheel_;       ///< the protocol's deadline (and the linger), per slot
  net::TimerWheel send_wheel_;  ///< per slot with bytes owed: when no progress means a dead peer
  ShardMetrics metrics_;
  metrics::Registry registry_;

  std::uint64_t now_ms_ = 0;
  __kernel_timespec tick_ts_{};
  signalfd_siginfo siginfo_{};
  std::vector<std::uint32_t> flush_list_;       ///< connections with output queued this turn
  std::vector<std::uint32_t> starved_;          ///< connections whose recv hit -ENOBUFS
  std::vector<std::uint8_t> lingering_;         ///< per slot: in graceful-close linger
  std::vector<std::size_t> closing_discarded_;  ///< per slot: bytes discarded while closing
  std::vector<std::uint8_t> close_after_send_;  ///< per slot: graceful close once drained
  std::vector<std::uint32_t> address_held_;     ///< per slot: what `per_address` admitted
  std::vector<std::deque<Message>> overflow_;   ///< per destination, FIFO behind the queue
  std::vector<std::uint8_t> wake_needed_;       ///< per destination, posted this turn
  std::vector<Poller> pollers_;
  std::vector<std::unique_ptr<Task>> deferred_;  ///< run at the top of the next turn
  std::vector<std::unique_ptr<Task>> running_;   ///< scratch: the batch being run
  bool accept_armed_ = false;
  bool accept_rearm_on_tick_ = false;
  std::uint64_t next_memory_trim_ms_ = 0;
  std::uint64_t open_peak_since_trim_ = 0;  ///< most connections open at a trim check
  bool stopping_ = false;
  bool drained_reported_ = false;
  std::uint64_t stop_deadline_ms_ = 0;
  std::uint64_t last_refusal_log_ms_ = 0;
  std::uint64_t refusals_since_log_ = 0;
  std::uint64_t last_send_timeout_log_ms_ = 0;
  std::uint64_t last_address_refusal_log_ms_ = 0;
  std::uint64_t address_refusals_since_log_ = 0;
  std::uint64_t send_timeouts_since_log_ = 0;
};

}  // namespace rollcall::shard

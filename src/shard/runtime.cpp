#include "rollcall/shard/runtime.hpp"

#include <cstring>
#include <latch>

#include "rollcall/common/log.hpp"

namespace rollcall::shard {

Runtime::Runtime(Options options) : options_(std::move(options)) {
  const unsigned n = shard_count();
  RC_ASSERT(options_.shard_count >= 1);
  RC_ASSERT(options_.listen_fds.empty() || options_.listen_fds.size() == options_.shard_count);
  queues_.reserve(static_cast<std::size_t>(n) * n);
  for (unsigned i = 0; i < n * n; ++i) {
    queues_.push_back(std::make_unique<SpscQueue<Message>>(options_.mailbox_capacity));
  }
  wake_flags_ = std::make_unique<WakeFlag[]>(n);
  ring_fds_ = std::make_unique<std::atomic<int>[]>(n);
  for (unsigned i = 0; i < n; ++i) ring_fds_[i].store(-1, std::memory_order_relaxed);
  for (unsigned i = 0; i < n; ++i) {
    ShardConfig config = options_.shard;
    const bool aux = i >= options_.shard_count;
    config.listen_fd = options_.listen_fds.empty() || aux ? -1 : options_.listen_fds[i];
    config.signal_fd = i == 0 ? options_.signal_fd : -1;
    if (aux) {
      // Slow work without connections: a few slots, no pinning (the OS places it).
      config.max_connections = 1;
      config.recv_buffers = 2;
      config.pin_to_core = false;
    }
    shards_.push_back(std::make_unique<Shard>(*this, i, config, nullptr));
  }
}

Runtime::~Runtime() {
  join();
  // Tasks still in a mailbox when the loops ended are destroyed here.
  for (auto& q : queues_) q->drain([](const Message& m) { delete m.task; });
}

Status Runtime::start(const HandlerFactory& make_handler, const ShardHook& before_run) {
  const unsigned n = shard_count();
  for (unsigned i = 0; i < n; ++i) {
    shards_[i]->set_handler(make_handler ? make_handler(*shards_[i]) : nullptr);
    shards_[i]->registry().seal();  // read by any shard's /metrics from now on
  }
  before_run_ = before_run;
  init_results_.assign(n, 0);

  std::latch initialised(n);
  for (unsigned i = 0; i < n; ++i) {
    // The thread outlives this call: it may only touch members, never locals here
    // (the latch is counted down before this function can return).
    threads_.emplace_back([this, i, &initialised] {
      Shard& s = *shards_[i];
      init_results_[i] = s.init();
      if (init_results_[i] == 0) ring_fds_[i].store(s.ring_fd(), std::memory_order_release);
      initialised.count_down();
      start_gate_.wait(kGateClosed, std::memory_order_acquire);
      if (start_gate_.load(std::memory_order_acquire) != kGateGo) return;
      if (before_run_) before_run_(s);
      s.run();
    });
  }
  initialised.wait();
  for (unsigned i = 0; i < n; ++i) {
    if (init_results_[i] != 0) {
      open_gate(kGateAbort);
      join();
      return Error{"shard " + std::to_string(i) +
                   " could not set up io_uring: " + std::strerror(-init_results_[i])};
    }
  }
  ready_.store(true, std::memory_order_release);
  open_gate(kGateGo);
  return Ok{};
}

void Runtime::open_gate(int state) {
  start_gate_.store(state, std::memory_order_release);
  start_gate_.notify_all();
}

void Runtime::join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Runtime::begin_shutdown() {
  stop_requested_.store(true, std::memory_order_release);
}

std::vector<const metrics::Registry*> Runtime::registries() const {
  std::vector<const metrics::Registry*> out;
  for (const auto& s : shards_) out.push_back(&s->registry());
  return out;
}

bool Runtime::claim_wake(unsigned target) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return !wake_flags_[target].pending.exchange(true, std::memory_order_seq_cst);
}

void Runtime::clear_wake(unsigned self) {
  if (wake_flags_[self].pending.load(std::memory_order_relaxed)) {
    wake_flags_[self].pending.store(false, std::memory_order_seq_cst);
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace rollcall::shard

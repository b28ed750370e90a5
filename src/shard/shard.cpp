#include "rollcall/shard/shard.hpp"

#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "rollcall/common/clock.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/io/user_data.hpp"
#include "rollcall/net/input_pool.hpp"
#include "rollcall/shard/core_choice.hpp"
#include "rollcall/shard/runtime.hpp"

namespace rollcall::shard {

using io::Op;
using net::Connection;

namespace {
constexpr std::uint16_t kRecvBufferGroup = 0;
constexpr std::uint32_t kWheelBuckets = 1024;
}  // namespace

Shard::Shard(Runtime& runtime, unsigned id, const ShardConfig& config,
             net::ConnectionHandler* handler)
    : runtime_(runtime),
      id_(id),
      config_(config),
      handler_(handler),
      connections_(config.max_connections),
      wheel_(config.max_connections, config.tick_ms, kWheelBuckets, monotonic_ms()),
      send_wheel_(config.max_connections, config.tick_ms, kWheelBuckets, monotonic_ms()),
      registry_(id),
      lingering_(config.max_connections, 0),
      closing_discarded_(config.max_connections, 0),
      close_after_send_(config.max_connections, 0),
      address_held_(config.max_connections, net::AddressAdmission::kNotCounted),
      overflow_(runtime.shard_count()),
      wake_needed_(runtime.shard_count(), 0) {
  flush_list_.reserve(config.max_connections);
  starved_.reserve(config.max_connections);
  registry_.add(metrics_);
}

Shard::~Shard() {
  // Tasks still waiting here (the loop stopped) are destroyed with the shard.
  for (std::deque<Message>& overflow : overflow_) {
    for (const Message& m : overflow) delete m.task;
  }
  if (config_.listen_fd >= 0) ::close(config_.listen_fd);
  connections_.for_each_open([](Connection& c) { ::close(c.fd); });
}

int Shard::init() {
  // Pinning is an optimisation; a container that forbids it still runs.
  if (config_.pin_to_core) pin_to_allowed_core(id_);
  int rc = ring_.init(config_.sq_entries, config_.cq_entries);
  if (rc != 0) return rc;
  rc = buffers_.init(ring_.raw(), kRecvBufferGroup, config_.recv_buffers, config_.recv_buffer_bytes,
                     config_.recv_incremental);
  if (rc != 0) return rc;
  now_ms_ = monotonic_ms();
  return 0;
}

// ---------------------------------------------------------------------------
// The loop

void Shard::run() {
  now_ms_ = monotonic_ms();
  if (config_.listen_fd >= 0) arm_accept();
  if (config_.signal_fd >= 0) arm_signal_read();
  arm_tick();
  std::uint64_t turn_ns = monotonic_ns();
  std::uint64_t worked_ns = 0;  // this turn's work before it waited for completions
  while (true) {
    const std::uint64_t top_ns = monotonic_ns();
    if (worked_ns != 0) metrics_.turn_busy.observe_ns(worked_ns + (top_ns - turn_ns));
    now_ms_ = top_ns / 1'000'000;
    bool busy = drain_mailboxes();
    busy |= run_deferred();
    busy |= run_pollers();
    if (runtime_.shutting_down() && !stopping_) begin_stop();
    if (stopping_) {
      check_drained();
      if (drained_reported_ && runtime_.all_drained()) break;
    }
    flush_overflow();
    send_wakes();
    flush_sends();
    // Never sleep with work of our own pending (a self-post from a poller, say).
    busy |= !overflow_[id_].empty() || !runtime_.queue(id_, id_).empty_for_consumer() ||
            !deferred_.empty();
    worked_ns = monotonic_ns() - top_ns;
    const int rc = ring_.submit_and_wait(busy ? 0 : 1);
    turn_ns = monotonic_ns();  // completions in hand: the turn's second half starts
    if (rc < 0) {
      log::error("ring_submit_failed",
                 {{"shard", id_}, {"errno", -rc}, {"error", std::strerror(-rc)}});
    }
    const unsigned reaped = ring_.reap([this](const io_uring_cqe& cqe) { dispatch(cqe); });
    metrics_.cqes_reaped.inc(reaped);
    metrics_.loop_turns.inc();
    const std::uint64_t submitted = ring_.sqes_submitted();
    metrics_.sqes_submitted.inc(submitted - metrics_.sqes_submitted.get());
  }
  // Final submit so close/cancel SQEs queued in the last turn reach the kernel.
  ring_.submit_and_wait(0);
}

bool Shard::run_pollers() {
  bool busy = false;
  for (Poller& p : pollers_) busy |= p(*this);
  return busy;
}

void Shard::dispatch(const io_uring_cqe& cqe) {
  switch (io::op_of(cqe.user_data)) {
    case Op::Accept: on_accept(cqe); break;
    case Op::Recv: on_recv(cqe); break;
    case Op::Send: on_send(cqe); break;
    case Op::Tick: on_tick(); break;
    case Op::Signal: on_signal(cqe); break;
    case Op::Wake: break;  // mailboxes are drained at the top of every turn
    case Op::LogWrite:
      RC_ASSERT(log_completions_ != nullptr);
      log_completions_->on_log_write(cqe.res);
      break;
    case Op::LogSync:
      RC_ASSERT(log_completions_ != nullptr);
      log_completions_->on_log_sync(cqe.res);
      break;
    case Op::Close:
    case Op::Cancel:
    case Op::Shutdown:
    case Op::Internal:
    case Op::None: break;
  }
}

// ---------------------------------------------------------------------------
// Accept

void Shard::arm_accept() {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_multishot_accept(sqe, config_.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Accept, 0, 0));
  accept_armed_ = true;
}

void Shard::on_accept(const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE)) accept_armed_ = false;
  if (cqe.res < 0) {
    if (cqe.res == -ECANCELED) return;
    metrics_.accept_errors.inc();
    if (now_ms_ - last_refusal_log_ms_ >= 1000) {
      last_refusal_log_ms_ = now_ms_;
      log::warn("accept_failed",
                {{"shard", id_}, {"errno", -cqe.res}, {"error", std::strerror(-cqe.res)}});
    }
    // Re-arming at once would spin while the cause (e.g. EMFILE) lasts.
    if (!accept_armed_) accept_rearm_on_tick_ = true;
    return;
  }
  if (!accept_armed_ && !stopping_) arm_accept();
  const int fd = cqe.res;
  if (stopping_) {
    ::close(fd);
    return;
  }
  const std::optional<net::IpAddress> peer = net::peer_address(fd);
  std::uint32_t held = net::AddressAdmission::kNotCounted;
  if (!admit_address(fd, peer, held)) return;
  Connection* c = connections_.acquire(fd, now_ms_);
  if (c == nullptr) {
    if (config_.per_address != nullptr) config_.per_address->release(held);
    ::close(fd);
    metrics_.connections_refused_capacity.inc();
    ++refusals_since_log_;
    if (now_ms_ - last_refusal_log_ms_ >= 1000) {
      last_refusal_log_ms_ = now_ms_;
      log::warn("connection_refused", {{"shard", id_},
                                       {"reason", "max_connections"},
                                       {"capacity", connections_.capacity()},
                                       {"refused_since_last_line", refusals_since_log_}});
      refusals_since_log_ = 0;
    }
    return;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  metrics_.connections_accepted.inc();
  metrics_.connections_open.add(1);
  lingering_[c->index] = 0;
  close_after_send_[c->index] = 0;
  address_held_[c->index] = held;
  c->client = peer;
  arm_recv(*c);
  handler_->on_open(*this, *c);
}

bool Shard::admit_address(int fd, const std::optional<net::IpAddress>& peer, std::uint32_t& held) {
  // A peer that is not IP (none on a TCP listener) is not counted.
  if (config_.per_address == nullptr || !peer) return true;
  const std::optional<std::uint32_t> admitted = config_.per_address->admit(*peer);
  if (admitted) {
    held = *admitted;
    return true;
  }
  ::close(fd);
  metrics_.connections_refused_address.inc();
  ++address_refusals_since_log_;
  if (now_ms_ - last_address_refusal_log_ms_ >= 1000) {
    last_address_refusal_log_ms_ = now_ms_;
    log::warn("connection_refused", {{"shard", id_},
                                     {"reason", "max_connections_per_ip"},
                                     {"limit", config_.per_address->per_address_max()},
                                     {"refused_since_last_line", address_refusals_since_log_}});
    address_refusals_since_log_ = 0;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Receive

void Shard::arm_recv(Connection& c) {
  RC_ASSERT(!c.recv_armed);
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kRecvBufferGroup;
  io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Recv, c.generation, c.index));
  c.recv_armed = true;
  c.recv_starved = false;
}

namespace {
// Hands a receive completion's buffer back to the ring when it goes out of scope.
struct ReceiveBufferBack {
  io::BufRing& ring;
  bool has_buffer;
  std::uint16_t id;
  std::uint32_t cqe_flags;
  std::size_t bytes;
  ~ReceiveBufferBack() {
    if (has_buffer) ring.consumed(id, cqe_flags, bytes);
  }
};
}  // namespace

void Shard::on_recv(const io_uring_cqe& cqe) {
  const bool has_buffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
  const std::uint16_t bid = has_buffer ? io::BufRing::buffer_id_of(cqe.flags) : 0;
  Connection& c = connections_.at(io::index_of(cqe.user_data));
  const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
  // Whatever happens below, the buffer goes back once the bytes were handled (or
  // stays the kernel's while it is still filling it: incremental consumption).
  const ReceiveBufferBack back{buffers_, has_buffer, bid, cqe.flags,
                               cqe.res > 0 ? static_cast<std::size_t>(cqe.res) : 0};

  if (c.state == Connection::State::Free || c.generation != io::generation_of(cqe.user_data)) {
    metrics_.stale_completions.inc();
    return;
  }
  if (!more) c.recv_armed = false;

  if (c.state == Connection::State::Closing) {
    maybe_release(c);
    return;
  }

  if (cqe.res > 0) {
    RC_ASSERT(has_buffer);
    const auto len = static_cast<std::size_t>(cqe.res);
    metrics_.bytes_received.inc(len);
    char* data = buffers_.data(bid);
    if (lingering_[c.index] || close_after_send_[c.index]) {
      // Graceful close (its last answer still owed, or sent): discard what the peer
      // still sends, up to the input bound; a peer that keeps flooding is reset
      // rather than drained at line rate.
      if (!discard_while_closing(c, len)) return;
    } else if (!c.recv_wanted) {
      // Paused: keep the bytes for later, bounded.
      if (c.in.size() + len > config_.in_bytes_max) {
        abort_connection(c);
        return;
      }
      net::InputPool::lend(c.in);
      c.in.append(data, len);
    } else {
      handler_->on_data(*this, c, data, len);
    }
    if (c.state != Connection::State::Open) {
      maybe_release(c);
      return;
    }
    enforce_budget(c);
    if (!c.recv_armed && c.recv_wanted && !c.out_paused) arm_recv(c);
    return;
  }

  if (cqe.res == 0) {
    c.peer_closed = true;
    if (lingering_[c.index]) {
      abort_connection(c);
    } else {
      handler_->on_peer_closed(*this, c);
    }
    return;
  }
  on_recv_failed(c, -cqe.res);
}

void Shard::on_recv_failed(Connection& c, int error) {
  switch (error) {
    case ENOBUFS:
      // Every provided buffer is out; buffers come back at the end of this batch,
      // and more go into circulation while there are more.
      metrics_.recv_buffers_exhausted.inc();
      buffers_.grow();
      if (!c.recv_starved) {
        c.recv_starved = true;
        starved_.push_back(c.index);
      }
      return;
    case ECANCELED:
      // We paused reading; resume re-arms if wanted again meanwhile.
      if (c.recv_wanted && !c.peer_closed && !c.out_paused) arm_recv(c);
      return;
    default:
      abort_connection(c);  // ECONNRESET and friends
      return;
  }
}

void Shard::set_receiving(Connection& c, bool receiving) {
  if (c.state != Connection::State::Open) return;
  c.recv_wanted = receiving;
  if (receiving) {
    if (!c.recv_armed && !c.peer_closed && !c.recv_starved && !c.out_paused) arm_recv(c);
    return;
  }
  cancel_recv(c);
}

void Shard::cancel_recv(Connection& c) {
  if (!c.recv_armed) return;
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_cancel64(sqe, io::make_user_data(Op::Recv, c.generation, c.index), 0);
  io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Cancel, c.generation, c.index));
}

// ---------------------------------------------------------------------------
// The output budget and the send deadline

void Shard::enforce_budget(Connection& c) {
  // Whatever the protocol queued in answer to what it read: past the budget, read
  // nothing more from this peer until it has taken what it is owed.
  if (c.out_paused || !over_budget(c) || close_after_send_[c.index]) return;
  c.out_paused = true;
  metrics_.output_paused.inc();
  cancel_recv(c);
}

void Shard::resume_after_drain(Connection& c) {
  if (!c.out_paused) return;
  c.out_paused = false;
  if (!c.recv_armed && c.recv_wanted && !c.peer_closed && !c.recv_starved) arm_recv(c);
}

void Shard::on_send_timeout(std::uint32_t index) {
  Connection& c = connections_.at(index);
  if (c.state != Connection::State::Open) return;
  metrics_.send_timeouts.inc();
  ++send_timeouts_since_log_;
  if (now_ms_ - last_send_timeout_log_ms_ >= 1000) {
    last_send_timeout_log_ms_ = now_ms_;
    log::warn("send_timeout", {{"shard", id_},
                               {"owed_bytes", c.out.backlog_bytes()},
                               {"timeout_ms", config_.send_timeout_ms},
                               {"closed_since_last_line", send_timeouts_since_log_}});
    send_timeouts_since_log_ = 0;
  }
  abort_connection(c);
}

// ---------------------------------------------------------------------------
// Send

void Shard::flush(Connection& c) {
  if (c.flush_queued || c.state != Connection::State::Open) return;
  c.flush_queued = true;
  flush_list_.push_back(c.index);
}

void Shard::flush_sends() {
  for (const std::uint32_t index : starved_) {
    Connection& c = connections_.at(index);
    if (c.state == Connection::State::Open && c.recv_starved) {
      c.recv_starved = false;
      if (!c.recv_armed && c.recv_wanted && !c.peer_closed && !c.out_paused) arm_recv(c);
    }
  }
  starved_.clear();
  for (const std::uint32_t index : flush_list_) {
    Connection& c = connections_.at(index);
    c.flush_queued = false;
    if (c.state != Connection::State::Open || c.send_in_flight) continue;
    const std::string_view chunk = c.out.next_chunk();
    if (chunk.empty()) continue;
    io_uring_sqe* sqe = ring_.sqe();
    io_uring_prep_send(sqe, c.fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Send, c.generation, c.index));
    c.send_in_flight = true;
    if (!send_wheel_.scheduled(index))
      send_wheel_.schedule(index, now_ms_ + config_.send_timeout_ms);
  }
  flush_list_.clear();
}

void Shard::on_send(const io_uring_cqe& cqe) {
  Connection& c = connections_.at(io::index_of(cqe.user_data));
  if (c.state == Connection::State::Free || c.generation != io::generation_of(cqe.user_data)) {
    metrics_.stale_completions.inc();
    return;
  }
  c.send_in_flight = false;
  if (c.state == Connection::State::Closing) {
    maybe_release(c);
    return;
  }
  if (cqe.res < 0) {
    abort_connection(c);  // EPIPE, ECONNRESET: the peer is gone
    return;
  }
  const auto sent = static_cast<std::size_t>(cqe.res);
  metrics_.bytes_sent.inc(sent);
  c.out.consume(sent);
  if (!c.out.empty()) {
    // Progress (the peer took bytes): its deadline starts over.
    if (sent > 0) send_wheel_.schedule(c.index, now_ms_ + config_.send_timeout_ms);
    flush(c);  // partial send, or more was queued meanwhile
    return;
  }
  send_wheel_.cancel(c.index);
  resume_after_drain(c);
  if (close_after_send_[c.index]) {
    start_linger(c);
    return;
  }
  handler_->on_drained(*this, c);
}

// ---------------------------------------------------------------------------
// Closing

void Shard::close(Connection& c, net::CloseMode mode) {
  if (c.state != Connection::State::Open) return;
  if (mode == net::CloseMode::Abort) {
    abort_connection(c);
    return;
  }
  if (close_after_send_[c.index] || lingering_[c.index]) return;
  close_after_send_[c.index] = 1;
  closing_discarded_[c.index] = 0;
  net::InputPool::take_back(c.in);
  if (c.out.empty() && !c.send_in_flight) {
    start_linger(c);
  } else {
    flush(c);
  }
}

void Shard::start_linger(Connection& c) {
  // Our answer is fully handed to the kernel. Half-close so the peer sees EOF after
  // it, and keep reading (discarding) so unread request bytes do not turn our FIN
  // into a reset that could destroy the answer in flight.
  close_after_send_[c.index] = 0;
  RC_ASSERT(c.out.empty() && !c.out_paused);
  if (c.peer_closed) {
    abort_connection(c);
    return;
  }
  lingering_[c.index] = 1;
  ::shutdown(c.fd, SHUT_WR);
  c.recv_wanted = true;
  if (!c.recv_armed && !c.recv_starved) arm_recv(c);
  wheel_.schedule(c.index, now_ms_ + config_.linger_ms);
}

bool Shard::discard_while_closing(Connection& c, std::size_t len) {
  std::size_t& discarded = closing_discarded_[c.index];
  discarded += len;
  if (discarded <= config_.in_bytes_max) return true;
  metrics_.linger_aborts.inc();
  abort_connection(c);
  return false;
}

void Shard::abort_connection(Connection& c) {
  if (c.state != Connection::State::Open) return;
  c.state = Connection::State::Closing;
  wheel_.cancel(c.index);
  send_wheel_.cancel(c.index);
  lingering_[c.index] = 0;
  close_after_send_[c.index] = 0;
  metrics_.connections_closed.inc();
  metrics_.connections_open.add(-1);
  if (config_.per_address != nullptr) config_.per_address->release(address_held_[c.index]);
  address_held_[c.index] = net::AddressAdmission::kNotCounted;
  handler_->on_closed(c);
  if (c.has_ops_in_flight()) {
    // Cancel everything on this fd; the slot is freed when the last completion is in.
    io_uring_sqe* sqe = ring_.sqe();
    io_uring_prep_cancel_fd(sqe, c.fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Cancel, c.generation, c.index));
  }
  maybe_release(c);
}

void Shard::maybe_release(Connection& c) {
  if (c.state != Connection::State::Closing || c.has_ops_in_flight()) return;
  // The fd number cannot be handed to a new connection before this close runs, and
  // nothing of ours refers to it after, so the slot may be reused right away.
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_close(sqe, c.fd);
  io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Close, c.generation, c.index));
  connections_.release(c);
}

// ---------------------------------------------------------------------------
// Timers

void Shard::set_deadline(Connection& c, std::uint64_t deadline_ms) {
  if (c.state != Connection::State::Open || lingering_[c.index]) return;
  wheel_.schedule(c.index, deadline_ms);
}

void Shard::clear_deadline(Connection& c) {
  if (lingering_[c.index]) return;
  wheel_.cancel(c.index);
}

void Shard::arm_tick() {
  tick_ts_.tv_sec = config_.tick_ms / 1000;
  tick_ts_.tv_nsec = static_cast<long long>(config_.tick_ms % 1000) * 1000000LL;
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_timeout(sqe, &tick_ts_, 0, 0);
  io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Tick, 0, 0));
}

void Shard::on_tick() {
  now_ms_ = monotonic_ms();
  wheel_.advance(now_ms_, [this](std::uint32_t index) { on_deadline(index); });
  send_wheel_.advance(now_ms_, [this](std::uint32_t index) { on_send_timeout(index); });
  if (accept_rearm_on_tick_ && !accept_armed_ && !stopping_) {
    accept_rearm_on_tick_ = false;
    arm_accept();
  }
  if (stopping_ && now_ms_ >= stop_deadline_ms_) {
    connections_.for_each_open([this](Connection& c) { abort_connection(c); });
  }
  if (now_ms_ >= next_memory_trim_ms_) hand_back_memory();
  arm_tick();
}

void Shard::hand_back_memory() {
  next_memory_trim_ms_ = now_ms_ + kMemoryTrimIntervalMs;
  const std::size_t freed = net::OutBuffer::trim_pool();
  const auto open =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, metrics_.connections_open.get()));
  open_peak_since_trim_ = std::max(open_peak_since_trim_, open);
  // Only after a storm: the allocator's walk is not free, and is pointless while
  // the memory it would hand back is about to be asked for again.
  const bool storm_ended = open_peak_since_trim_ >= open + kMemoryTrimAfterCloses;
  if (freed < kMemoryTrimAfterBuffers && !storm_ended) return;
  open_peak_since_trim_ = open;
  if (::malloc_trim(0) != 0) metrics_.memory_trims.inc();
}

void Shard::on_deadline(std::uint32_t index) {
  Connection& c = connections_.at(index);
  if (c.state != Connection::State::Open) return;
  if (lingering_[index]) {
    abort_connection(c);
    return;
  }
  handler_->on_deadline(*this, c);
}

// ---------------------------------------------------------------------------
// Write-ahead log I/O

void Shard::submit_log_write(int fd, std::uint64_t offset, std::string_view data) {
  ring_.reserve(2);  // the write and its sync must go to the kernel in one submission
  io_uring_sqe* write = ring_.sqe();
  io_uring_prep_write(write, fd, data.data(), static_cast<unsigned>(data.size()), offset);
  io_uring_sqe_set_data64(write, io::make_user_data(Op::LogWrite, 0, 0));
  write->flags |= IOSQE_IO_LINK;
  io_uring_sqe* sync = ring_.sqe();
  io_uring_prep_fsync(sync, fd, IORING_FSYNC_DATASYNC);
  io_uring_sqe_set_data64(sync, io::make_user_data(Op::LogSync, 0, 0));
}

// ---------------------------------------------------------------------------
// Signals and shutdown

void Shard::arm_signal_read() {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_read(sqe, config_.signal_fd, &siginfo_, sizeof siginfo_, 0);
  io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Signal, 0, 0));
}

void Shard::on_signal(const io_uring_cqe& cqe) {
  if (cqe.res != static_cast<int>(sizeof siginfo_)) {
    if (cqe.res != -ECANCELED) arm_signal_read();
    return;
  }
  if (runtime_.shutting_down()) {
    // A second signal: the operator does not want to wait for the drain.
    log::warn("shutdown_forced", {{"signal", static_cast<int>(siginfo_.ssi_signo)}});
    stop_deadline_ms_ = 0;
    for (unsigned s = 0; s < runtime_.shard_count(); ++s) {
      post(s, Message{[](Shard& shard, const Message&) {
             shard.stop_deadline_ms_ = 0;
             shard.connections_.for_each_open(
                 [&shard](Connection& c) { shard.abort_connection(c); });
           }});
    }
  } else {
    log::info("shutdown_requested", {{"signal", static_cast<int>(siginfo_.ssi_signo)}});
    runtime_.begin_shutdown();
    for (unsigned s = 0; s < runtime_.shard_count(); ++s) {
      if (s != id_) post(s, Message{[](Shard&, const Message&) {}});  // wake it now
    }
  }
  arm_signal_read();
}

void Shard::begin_stop() {
  stopping_ = true;
  stop_deadline_ms_ = now_ms_ + config_.shutdown_timeout_ms;
  if (config_.listen_fd >= 0) {
    if (accept_armed_) {
      io_uring_sqe* sqe = ring_.sqe();
      io_uring_prep_cancel64(sqe, io::make_user_data(Op::Accept, 0, 0), 0);
      io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Cancel, 0, 0));
    }
    // Closing the listener resets connections still in its accept queue; clients
    // retry against whichever server replaces this one.
    ::close(config_.listen_fd);
    config_.listen_fd = -1;
  }
  if (handler_ != nullptr) {
    connections_.for_each_open([this](Connection& c) { handler_->on_shutdown(*this, c); });
  }
}

void Shard::check_drained() {
  if (drained_reported_ || connections_.in_use() != 0) return;
  drained_reported_ = true;
  runtime_.report_drained();
  for (unsigned s = 0; s < runtime_.shard_count(); ++s) {
    if (s != id_) post(s, Message{[](Shard&, const Message&) {}});  // let it see all_drained
  }
}

// ---------------------------------------------------------------------------
// Mailboxes

bool Shard::post(unsigned to, Message message, PostMode mode) {
  RC_ASSERT(to < runtime_.shard_count());
  message.from = id_;
  metrics_.messages_sent.inc();
  std::deque<Message>& overflow = overflow_[to];
  if (overflow.empty() && runtime_.queue(id_, to).try_push(message)) {
    wake_needed_[to] = 1;
    return true;
  }
  // Keep FIFO order: once anything waits in overflow, everything queues behind it.
  metrics_.mailbox_full.inc();
  if (mode == PostMode::Bounded && overflow.size() >= config_.overflow_messages_max) return false;
  overflow.push_back(message);
  return true;
}

void Shard::flush_overflow() {
  for (unsigned to = 0; to < overflow_.size(); ++to) {
    std::deque<Message>& overflow = overflow_[to];
    SpscQueue<Message>& q = runtime_.queue(id_, to);
    while (!overflow.empty() && q.try_push(overflow.front())) {
      overflow.pop_front();
      wake_needed_[to] = 1;
    }
  }
}

void Shard::send_wakes() {
  for (unsigned to = 0; to < wake_needed_.size(); ++to) {
    if (!wake_needed_[to]) continue;
    wake_needed_[to] = 0;
    if (to == id_) continue;  // our own queue is drained at the top of the next turn
    if (!runtime_.claim_wake(to)) continue;
    const int target_fd = runtime_.ring_fd(to);
    if (target_fd < 0) continue;
    io_uring_sqe* sqe = ring_.sqe();
    io_uring_prep_msg_ring(sqe, target_fd, 0, io::make_user_data(Op::Wake, 0, id_), 0);
    // The sender's own completion carries nothing we need.
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
    io_uring_sqe_set_data64(sqe, io::make_user_data(Op::Internal, 0, 0));
  }
}

bool Shard::post(unsigned to, std::unique_ptr<Task>& task, PostMode mode) {
  RC_ASSERT(task != nullptr);
  if (to == id_) {
    defer(std::move(task));
    return true;
  }
  Message m;
  m.task = task.get();
  if (!post(to, m, mode)) return false;
  static_cast<void>(task.release());  // the message owns it now
  return true;
}

void Shard::defer(std::unique_ptr<Task> task) {
  RC_ASSERT(task != nullptr);
  deferred_.push_back(std::move(task));
}

bool Shard::run_deferred() {
  if (deferred_.empty()) return false;
  // What runs now may defer more: that waits for the next turn.
  running_.swap(deferred_);
  for (std::unique_ptr<Task>& t : running_) {
    Task& raw = *t;
    raw.run(*this, std::move(t));
  }
  running_.clear();
  return true;
}

void Shard::receive(const Message& m) {
  if (m.task != nullptr) {
    m.task->run(*this, std::unique_ptr<Task>(m.task));
    return;
  }
  RC_ASSERT(m.fn != nullptr);
  m.fn(*this, m);
}

bool Shard::drain_mailboxes() {
  runtime_.clear_wake(id_);
  std::size_t handled = 0;
  for (unsigned from = 0; from < runtime_.shard_count(); ++from) {
    handled += runtime_.queue(from, id_).drain([this](const Message& m) { receive(m); });
  }
  metrics_.messages_received.inc(handled);
  return handled > 0;
}

}  // namespace rollcall::shard

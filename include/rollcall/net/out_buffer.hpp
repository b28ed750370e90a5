#pragma once
/// A connection's output queue: bytes handlers queued but the kernel has not taken.
///
/// Two buffers: `inflight_` is what the current send SQE points at and must not
/// move until it completes; `pending_` collects everything written meanwhile, so
/// all responses of one loop turn go out in a single send.
///
/// Memory: an idle queue holds no heap memory at all. The first bytes queued on an
/// idle queue go into a buffer borrowed from the thread's (the shard's) buffer pool,
/// and once everything is sent the buffers go back to the pool. So a subscriber that
/// gets a burst every loop turn never frees and regrows its buffer (that malloc,
/// page-fault and memmove churn cost a fan-out shard two thirds of its throughput),
/// thousands of idle subscribers cost nothing, and the buffers of one busy
/// connection are the next one's. The pool has two sizes: `kSmallBufferBytes` for
/// what most queues owe at once (a response, an event or two), `kLargeBufferBytes`
/// for a snapshot or a burst; a queue that outgrows its small buffer moves its bytes
/// into a large one. So the hundreds of subscribers that owe one 400-byte event
/// while a fan-out is on the wire hold 2 KiB each, not 16. The pool holds at most
/// `kPoolBuffersMax` buffers of each size per thread; beyond that (or for a queue
/// that grew past `kLargeBufferBytes`) buffers are ordinary heap strings, freed once
/// sent. While a connection stays busy it keeps its sent buffer for the next swap
/// if it is at most `kRetainBytes`. The pool follows demand down as well as up:
/// `trim_pool` frees the buffers that stayed parked since the previous trim, so a
/// storm's buffers go back once it ends (the shard trims every few seconds).

#include <cstddef>
#include <string>
#include <string_view>

#include "rollcall/common/assert.hpp"

namespace rollcall::net {

class OutBuffer {
 public:
  static constexpr std::size_t kSmallBufferBytes = 2 * 1024;
  static constexpr std::size_t kLargeBufferBytes = 16 * 1024;
  /// Per thread and size: at most 4 + 32 MiB parked.
  static constexpr std::size_t kPoolBuffersMax = 2048;
  static constexpr std::size_t kRetainBytes = kLargeBufferBytes;
  /// What other per-connection buffers (the input) may keep while idle.
  static constexpr std::size_t kIdleRetainBytes = 1024;

  void append(std::string_view bytes) { pending(bytes.size()).append(bytes.data(), bytes.size()); }
  /// Direct access for writers that format in place, with room for `expect` more
  /// bytes (a writer that then writes more only costs a reallocation).
  /// Queued bytes always live in a heap buffer (never inline in the string), so a
  /// send's bytes stay put whatever happens to the queue object.
  std::string& pending(std::size_t expect = 1) {
    if (pending_.capacity() < kSmallBufferBytes || pending_.capacity() - pending_.size() < expect)
      make_room(pending_, expect);
    return pending_;
  }

  /// Bytes queued and not yet acknowledged by a send completion.
  std::size_t backlog_bytes() const {
    return (inflight_.size() - inflight_sent_) + pending_.size();
  }
  bool empty() const { return backlog_bytes() == 0; }

  /// The bytes the next send should carry. Moves pending into flight when nothing
  /// is in flight. Empty when there is nothing to send.
  std::string_view next_chunk() {
    if (inflight_sent_ == inflight_.size()) {
      inflight_.clear();
      inflight_sent_ = 0;
      if (pending_.empty()) return {};
      inflight_.swap(pending_);
    }
    return std::string_view(inflight_).substr(inflight_sent_);
  }

  /// Records that the kernel took `n` bytes of the chunk from `next_chunk`.
  void consume(std::size_t n) {
    RC_ASSERT(inflight_sent_ + n <= inflight_.size());
    inflight_sent_ += n;
    if (inflight_sent_ != inflight_.size()) return;
    inflight_.clear();
    inflight_sent_ = 0;
    if (!pending_.empty()) {
      // Busy: the next send swaps this one in for pending.
      if (inflight_.capacity() > kRetainBytes) give_back(inflight_);
      return;
    }
    give_back(inflight_);  // idle: nothing kept
    give_back(pending_);
  }

  /// Heap bytes the queue holds (both buffers' capacity beyond the inline storage).
  std::size_t retained_bytes() const { return heap_bytes(inflight_) + heap_bytes(pending_); }

  /// Drops everything (connection closing); buffers go back to the pool.
  void reset() {
    inflight_.clear();
    pending_.clear();
    inflight_sent_ = 0;
    give_back(inflight_);
    give_back(pending_);
  }

  /// Buffers parked in this thread's pool (tests, metrics).
  static std::size_t pooled_buffers();
  /// Frees the buffers of this thread's pool that nobody borrowed since the last
  /// trim (the pool's low-water mark); returns how many.
  static std::size_t trim_pool();

 private:
  /// Moves `s`'s bytes into a buffer with room for `expect` more: a pool buffer of
  /// the size that fits, or a heap string beyond the large size.
  static void make_room(std::string& s, std::size_t expect);
  /// Empties `s` of its heap buffer: into the pool when it is a pool-sized buffer
  /// and the pool has room, freed otherwise.
  static void give_back(std::string& s);
  static std::size_t heap_bytes(const std::string& s) {
    return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
  }

  std::string inflight_;
  std::string pending_;
  std::size_t inflight_sent_ = 0;
};

}  // namespace rollcall::net

#pragma once
/// A connection's output queue: bytes handlers queued but the kernel has not taken.
///
/// Two buffers: `inflight_` is what the current send SQE points at and must not
/// move until it completes; `pending_` collects everything written meanwhile, so
/// all responses of one loop turn go out in a single send. Capacity is kept for
/// reuse (no allocation per response once warm): while more is queued behind a
/// send, up to `kRetainBytes`; once everything is sent (the connection is idle) one
/// buffer of at most `kIdleRetainBytes` is kept, so the thousands of idle
/// subscribers a shard holds cost little memory, and an event or a small answer
/// still goes out without allocating.

#include <cstddef>
#include <string>
#include <string_view>

#include "rollcall/common/assert.hpp"

namespace rollcall::net {

class OutBuffer {
 public:
  static constexpr std::size_t kRetainBytes = 16 * 1024;
  static constexpr std::size_t kIdleRetainBytes = 1024;

  void append(std::string_view bytes) { pending_.append(bytes.data(), bytes.size()); }
  /// Direct access for writers that format in place.
  std::string& pending() { return pending_; }

  /// Bytes queued and not yet acknowledged by a send completion.
  std::size_t backlog_bytes() const { return (inflight_.size() - inflight_sent_) + pending_.size(); }
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
      trim(inflight_, kRetainBytes);  // busy: the next send swaps it in
      return;
    }
    // Idle: keep the larger buffer, where the next bytes will be appended.
    if (inflight_.capacity() > pending_.capacity()) inflight_.swap(pending_);
    std::string().swap(inflight_);
    trim(pending_, kIdleRetainBytes);
  }

  /// Heap bytes the queue holds (both buffers' capacity beyond the inline storage).
  std::size_t retained_bytes() const { return heap_bytes(inflight_) + heap_bytes(pending_); }

  /// Drops everything (connection closing); memory is released.
  void reset() {
    std::string().swap(inflight_);
    std::string().swap(pending_);
    inflight_sent_ = 0;
  }

 private:
  static void trim(std::string& s, std::size_t bytes_max) {
    if (s.capacity() > bytes_max) std::string().swap(s);
  }
  static std::size_t heap_bytes(const std::string& s) {
    return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
  }

  std::string inflight_;
  std::string pending_;
  std::size_t inflight_sent_ = 0;
};

}  // namespace rollcall::net

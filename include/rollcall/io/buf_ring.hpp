#pragma once
/// A provided-buffer ring (IORING_REGISTER_PBUF_RING) for multishot recv.
///
/// liburing 2.3 (Debian 12) lacks io_uring_setup_buf_ring, so this maps the ring
/// memory itself and registers it. The kernel picks a free buffer for each recv
/// completion and reports its id in the CQE flags; the loop copies or parses the
/// bytes and hands the buffer back with `recycle`. When all buffers are out, recv
/// completes with -ENOBUFS and the connection re-arms once buffers come back.
///
/// Resident memory follows the peak, not the limit: the ring starts with
/// `kFirstProvided` buffers in circulation and `grow` doubles that (up to `count`)
/// when they ran out. The kernel takes buffers in ring order, so every buffer in
/// circulation is soon touched: handing all of them out at once would make the
/// whole `count x buffer_bytes` resident on the first busy second.
///
/// Incremental consumption (IOU_PBUF_RING_INC, Linux 6.12+; asked for with
/// `incremental`, used when the kernel accepts it): a receive takes only the bytes
/// it needs from the current buffer, and the next receive (of any connection)
/// continues after them, so a storm of 300-byte handshakes fills a few buffers
/// instead of taking one whole buffer each. A completion flagged
/// IORING_CQE_F_BUF_MORE leaves the buffer with the kernel; the loop gives it back
/// only after the completion without that flag. `data` and `consumed` hide the
/// difference: every completion that carries a buffer goes through both, in that
/// order.

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rollcall::io {

class BufRing {
 public:
  BufRing() = default;
  ~BufRing();
  BufRing(const BufRing&) = delete;
  BufRing& operator=(const BufRing&) = delete;

  /// Maps `count` (a power of two, <= 32768) buffers of `buffer_bytes` each and
  /// registers them as group `group_id` on `ring`. Returns 0 or a negative errno.
  int init(io_uring* ring, std::uint16_t group_id, unsigned count, unsigned buffer_bytes,
           bool incremental = false);

  /// Whether receives consume buffers incrementally (asked for and supported).
  bool incremental() const { return incremental_; }

  /// Where the bytes of a completion that carries buffer `buffer_id` start.
  char* data(std::uint16_t buffer_id) const {
    return buffer(buffer_id) + (incremental_ ? offsets_[buffer_id] : 0);
  }
  /// A completion carrying `buffer_id` (with `bytes` received, 0 for none) was
  /// handled: the buffer goes back to the kernel unless it is still the kernel's.
  void consumed(std::uint16_t buffer_id, std::uint32_t cqe_flags, std::size_t bytes);

  std::uint16_t group_id() const { return group_id_; }
  unsigned buffer_bytes() const { return buffer_bytes_; }
  unsigned count() const { return count_; }
  /// Buffers in circulation (the rest of `count` is mapped but never touched).
  unsigned provided() const { return provided_; }

  static constexpr unsigned kFirstProvided = 128;
  /// All buffers in circulation ran out: put up to as many again into circulation.
  /// Returns false when every buffer already is.
  bool grow();

  /// Start of buffer `buffer_id`.
  char* buffer(std::uint16_t buffer_id) const {
    return buffers_ + static_cast<std::size_t>(buffer_id) * buffer_bytes_;
  }

  /// Returns buffer `buffer_id` to the kernel.
  void recycle(std::uint16_t buffer_id);

  /// Buffer id carried by a recv CQE (valid when IORING_CQE_F_BUFFER is set).
  static std::uint16_t buffer_id_of(std::uint32_t cqe_flags) {
    return static_cast<std::uint16_t>(cqe_flags >> IORING_CQE_BUFFER_SHIFT);
  }

  // Newer than Debian 12's headers (linux/io_uring.h of 6.1, liburing 2.3).
  static constexpr std::uint16_t kPbufRingInc = 2;           ///< IOU_PBUF_RING_INC
  static constexpr std::uint32_t kCqeFlagBufMore = 1u << 4;  ///< IORING_CQE_F_BUF_MORE

 private:
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  char* buffers_ = nullptr;
  std::size_t ring_map_bytes_ = 0;
  std::size_t buffers_map_bytes_ = 0;
  unsigned count_ = 0;
  unsigned provided_ = 0;
  bool incremental_ = false;
  std::vector<std::uint32_t> offsets_;  ///< incremental: bytes of each buffer handed out
  unsigned buffer_bytes_ = 0;
  std::uint16_t group_id_ = 0;
  int mask_ = 0;
};

}  // namespace rollcall::io

#pragma once
/// A thin owner of one io_uring instance: setup with the best flags the kernel
/// offers, SQE acquisition that never fails (a full SQ is submitted and retried),
/// one submit per loop turn, and CQE reaping in batches.

#include <liburing.h>

#include <cstdint>
#include <string_view>

namespace rollcall::io {

class Ring {
 public:
  Ring() = default;
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  /// Creates the ring on the calling thread (which becomes its only submitter).
  /// Tries SINGLE_ISSUER|DEFER_TASKRUN, then COOP_TASKRUN|TASKRUN_FLAG, then plain
  /// setup. `sq_entries` is rounded up by the kernel to a power of two; the CQ
  /// gets `cq_entries`. Returns 0 or a negative errno.
  int init(unsigned sq_entries, unsigned cq_entries);

  /// Name of the setup mode that succeeded: "defer_taskrun", "coop_taskrun" or "basic".
  std::string_view mode() const { return mode_; }

  /// A zeroed SQE. When the SQ is full, submits what is queued and tries again,
  /// so this never returns null.
  io_uring_sqe* sqe();

  /// Makes room for `n` consecutive SQEs (submitting what is queued if needed), so a
  /// linked chain is never split across two submissions.
  void reserve(unsigned n);

  /// Submits queued SQEs and waits for at least `wait_nr` completions (0: no wait).
  /// Interrupted waits (EINTR) and a busy CQ (EBUSY) are not errors. Returns the
  /// number submitted or a negative errno.
  int submit_and_wait(unsigned wait_nr);

  /// Calls `fn(const io_uring_cqe&)` for every ready CQE, then releases them all
  /// with one cq_advance. Returns how many were reaped.
  template <typename Fn>
  unsigned reap(Fn&& fn) {
    unsigned head;
    unsigned count = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      fn(*cqe);
      ++count;
    }
    io_uring_cq_advance(&ring_, count);
    return count;
  }

  io_uring* raw() { return &ring_; }
  int fd() const { return ring_.ring_fd; }
  std::uint64_t sqes_submitted() const { return sqes_submitted_; }
  bool initialised() const { return initialised_; }

 private:
  io_uring ring_{};
  bool initialised_ = false;
  std::string_view mode_ = "none";
  std::uint64_t sqes_submitted_ = 0;
};

}  // namespace rollcall::io

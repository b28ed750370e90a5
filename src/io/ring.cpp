#include "rollcall/io/ring.hpp"

#include <cerrno>

#include "rollcall/common/assert.hpp"

namespace rollcall::io {

Ring::~Ring() {
  if (initialised_) io_uring_queue_exit(&ring_);
}

int Ring::init(unsigned sq_entries, unsigned cq_entries) {
  RC_ASSERT(!initialised_);
  struct Attempt {
    unsigned flags;
    std::string_view name;
  };
  // DEFER_TASKRUN runs completions only when this thread enters the kernel to wait,
  // which is exactly our loop's shape and avoids IPIs; COOP_TASKRUN is the older
  // variant; plain setup works everywhere io_uring does.
  const Attempt attempts[] = {
      {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, "defer_taskrun"},
      {IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, "coop_taskrun"},
      {0, "basic"},
  };
  int last_error = -EINVAL;
  for (const Attempt& attempt : attempts) {
    io_uring_params params{};
    params.flags = attempt.flags | IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
    params.cq_entries = cq_entries;
    last_error = io_uring_queue_init_params(sq_entries, &ring_, &params);
    if (last_error == -EINVAL) {
      // SUBMIT_ALL is 5.18+; retry the same mode without it before giving up on it.
      params = io_uring_params{};
      params.flags = attempt.flags | IORING_SETUP_CQSIZE;
      params.cq_entries = cq_entries;
      last_error = io_uring_queue_init_params(sq_entries, &ring_, &params);
    }
    if (last_error == 0) {
      initialised_ = true;
      mode_ = attempt.name;
      return 0;
    }
  }
  return last_error;
}

io_uring_sqe* Ring::sqe() {
  RC_ASSERT(initialised_);
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    // SQ full: hand the queued entries to the kernel and take a fresh slot.
    const int submitted = io_uring_submit(&ring_);
    if (submitted > 0) sqes_submitted_ += static_cast<std::uint64_t>(submitted);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void Ring::reserve(unsigned n) {
  RC_ASSERT(n <= ring_.sq.ring_entries);
  while (io_uring_sq_space_left(&ring_) < n) {
    const int submitted = io_uring_submit(&ring_);
    if (submitted > 0) sqes_submitted_ += static_cast<std::uint64_t>(submitted);
  }
}

int Ring::submit_and_wait(unsigned wait_nr) {
  const int submitted = io_uring_submit_and_wait(&ring_, wait_nr);
  if (submitted >= 0) {
    sqes_submitted_ += static_cast<std::uint64_t>(submitted);
    return submitted;
  }
  if (submitted == -EINTR || submitted == -EBUSY || submitted == -EAGAIN || submitted == -ETIME) {
    return 0;
  }
  return submitted;
}

}  // namespace rollcall::io

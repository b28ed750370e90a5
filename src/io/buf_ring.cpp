#include "rollcall/io/buf_ring.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>

#include "rollcall/common/assert.hpp"

namespace rollcall::io {

BufRing::~BufRing() {
  // No unregister: with SINGLE_ISSUER only the shard thread may call
  // io_uring_register, and closing the ring releases the registration anyway. The
  // kernel pinned the ring's pages, so unmapping before the ring closes is safe.
  if (br_ != nullptr) munmap(br_, ring_map_bytes_);
  if (buffers_ != nullptr) munmap(buffers_, buffers_map_bytes_);
}

int BufRing::init(io_uring* ring, std::uint16_t group_id, unsigned count, unsigned buffer_bytes,
                  bool incremental) {
  RC_ASSERT(br_ == nullptr);
  if (count == 0 || count > 32768 || (count & (count - 1)) != 0) return -EINVAL;
  if (buffer_bytes == 0) return -EINVAL;
  ring_ = ring;
  group_id_ = group_id;
  count_ = count;
  buffer_bytes_ = buffer_bytes;

  ring_map_bytes_ = count * sizeof(io_uring_buf);
  void* ring_mem =
      mmap(nullptr, ring_map_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ring_mem == MAP_FAILED) return -errno;
  br_ = static_cast<io_uring_buf_ring*>(ring_mem);

  buffers_map_bytes_ = static_cast<std::size_t>(count) * buffer_bytes;
  void* buf_mem =
      mmap(nullptr, buffers_map_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (buf_mem == MAP_FAILED) return -errno;
  buffers_ = static_cast<char*>(buf_mem);

  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uint64_t>(br_);
  reg.ring_entries = count;
  reg.bgid = group_id;
  reg.pad = incremental ? kPbufRingInc : 0;  // `flags` in newer headers
  int rc = io_uring_register_buf_ring(ring, &reg, 0);
  if (rc == -EINVAL && incremental) {  // a kernel before 6.12: whole buffers
    reg.pad = 0;
    rc = io_uring_register_buf_ring(ring, &reg, 0);
    incremental = false;
  }
  if (rc != 0) return rc;
  incremental_ = incremental;
  if (incremental_) offsets_.assign(count, 0);

  io_uring_buf_ring_init(br_);
  mask_ = io_uring_buf_ring_mask(count);
  grow();
  return 0;
}

bool BufRing::grow() {
  if (provided_ == count_) return false;
  const unsigned from = provided_;
  const unsigned to = from == 0 ? std::min(count_, kFirstProvided) : std::min(count_, 2 * from);
  for (unsigned i = from; i < to; ++i) {
    io_uring_buf_ring_add(br_, buffer(static_cast<std::uint16_t>(i)), buffer_bytes_,
                          static_cast<std::uint16_t>(i), mask_, static_cast<int>(i - from));
  }
  io_uring_buf_ring_advance(br_, static_cast<int>(to - from));
  provided_ = to;
  return true;
}

void BufRing::consumed(std::uint16_t buffer_id, std::uint32_t cqe_flags, std::size_t bytes) {
  RC_ASSERT(buffer_id < provided_);
  if (incremental_) {
    if ((cqe_flags & kCqeFlagBufMore) != 0) {  // still the kernel's: the next receive goes on
      offsets_[buffer_id] += static_cast<std::uint32_t>(bytes);
      RC_ASSERT(offsets_[buffer_id] <= buffer_bytes_);
      return;
    }
    offsets_[buffer_id] = 0;
  }
  recycle(buffer_id);
}

void BufRing::recycle(std::uint16_t buffer_id) {
  RC_ASSERT(buffer_id < provided_);
  io_uring_buf_ring_add(br_, buffer(buffer_id), buffer_bytes_, buffer_id, mask_, 0);
  io_uring_buf_ring_advance(br_, 1);
}

}  // namespace rollcall::io

// The per-thread pool of output buffers behind OutBuffer (see out_buffer.hpp).

#include "rollcall/net/out_buffer.hpp"

#include <algorithm>
#include <vector>

namespace rollcall::net {

namespace {

// Each shard is one thread, so its pool needs no lock. Buffers are strings with a
// capacity of kPoolBufferBytes up to twice that, always empty while parked.
struct Pool {
  std::vector<std::string> buffers;
  std::size_t low_water = 0;  ///< fewest parked since the last trim: never borrowed
  Pool() { buffers.reserve(OutBuffer::kPoolBuffersMax); }
};

Pool& pool() {
  thread_local Pool p;
  return p;
}

}  // namespace

std::size_t OutBuffer::pooled_buffers() {
  return pool().buffers.size();
}

std::size_t OutBuffer::trim_pool() {
  Pool& p = pool();
  const std::size_t idle = std::min(p.low_water, p.buffers.size());
  // Parked last in, first out: the bottom `idle` were not borrowed since the last trim.
  p.buffers.erase(p.buffers.begin(), p.buffers.begin() + static_cast<std::ptrdiff_t>(idle));
  p.low_water = p.buffers.size();
  return idle;
}

void OutBuffer::borrow(std::string& s) {
  RC_ASSERT(s.empty());
  std::vector<std::string>& buffers = pool().buffers;
  if (buffers.empty()) {
    s.reserve(kPoolBufferBytes);  // one allocation now, poolable later
    return;
  }
  s.swap(buffers.back());
  buffers.pop_back();
  Pool& p = pool();
  p.low_water = std::min(p.low_water, buffers.size());
}

void OutBuffer::give_back(std::string& s) {
  const std::size_t cap = s.capacity();
  if (cap <= std::string().capacity()) {
    s.clear();
    return;
  }
  std::vector<std::string>& buffers = pool().buffers;
  if (cap >= kPoolBufferBytes && cap < 2 * kPoolBufferBytes && buffers.size() < kPoolBuffersMax) {
    s.clear();
    buffers.push_back(std::move(s));
    s = std::string();
    return;
  }
  std::string().swap(s);
}

}  // namespace rollcall::net

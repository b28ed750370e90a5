// The per-thread pool of output buffers behind OutBuffer (see out_buffer.hpp).

#include "rollcall/net/out_buffer.hpp"

#include <algorithm>
#include <vector>

namespace rollcall::net {

namespace {

// Buffers of one size: strings with a capacity of `bytes` up to twice that, always
// empty while parked.
struct Shelf {
  std::size_t bytes = 0;
  std::vector<std::string> buffers;
  std::size_t low_water = 0;  ///< fewest parked since the last trim: never borrowed

  explicit Shelf(std::size_t size) : bytes(size) { buffers.reserve(OutBuffer::kPoolBuffersMax); }
  bool fits(std::size_t capacity) const { return capacity >= bytes && capacity < 2 * bytes; }
  void take(std::string& s) {
    RC_ASSERT(s.empty());
    if (buffers.empty()) {
      s.reserve(bytes);  // one allocation now, poolable later
      return;
    }
    s.swap(buffers.back());
    buffers.pop_back();
    low_water = std::min(low_water, buffers.size());
  }
  std::size_t trim() {
    const std::size_t idle = std::min(low_water, buffers.size());
    // Parked last in, first out: the bottom `idle` were not borrowed since the last trim.
    buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(idle));
    low_water = buffers.size();
    return idle;
  }
};

// Each shard is one thread, so its pool needs no lock.
struct Pool {
  Shelf small{OutBuffer::kSmallBufferBytes};
  Shelf large{OutBuffer::kLargeBufferBytes};
};

Pool& pool() {
  thread_local Pool p;
  return p;
}

}  // namespace

std::size_t OutBuffer::pooled_buffers() {
  return pool().small.buffers.size() + pool().large.buffers.size();
}

std::size_t OutBuffer::trim_pool() {
  return pool().small.trim() + pool().large.trim();
}

void OutBuffer::make_room(std::string& s, std::size_t expect) {
  const std::size_t need = s.size() + expect;
  if (need > kLargeBufferBytes) {
    s.reserve(need);  // past the pool: an ordinary string, freed once sent
    return;
  }
  std::string fresh;
  (need <= kSmallBufferBytes ? pool().small : pool().large).take(fresh);
  fresh.append(s);
  give_back(s);
  s.swap(fresh);
}

void OutBuffer::give_back(std::string& s) {
  const std::size_t cap = s.capacity();
  if (cap <= std::string().capacity()) {
    s.clear();
    return;
  }
  for (Shelf* shelf : {&pool().small, &pool().large}) {
    if (!shelf->fits(cap) || shelf->buffers.size() >= kPoolBuffersMax) continue;
    s.clear();
    shelf->buffers.push_back(std::move(s));
    s = std::string();
    return;
  }
  std::string().swap(s);
}

}  // namespace rollcall::net

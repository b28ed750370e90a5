#include "rollcall/net/connection.hpp"

#include "rollcall/net/input_pool.hpp"

namespace rollcall::net {

ConnectionTable::ConnectionTable(std::uint32_t capacity) : slots_(capacity) {
  free_.reserve(capacity);
  for (std::uint32_t i = capacity; i > 0; --i) {
    slots_[i - 1].index = i - 1;
    free_.push_back(i - 1);
  }
}

Connection* ConnectionTable::acquire(int fd, std::uint64_t now_ms) {
  if (free_.empty()) return nullptr;
  const std::uint32_t index = free_.back();
  free_.pop_back();
  RC_ASSERT(index < slots_.size());
  Connection& c = slots_[index];
  RC_ASSERT(c.index == index);
  RC_ASSERT(c.state == Connection::State::Free);
  RC_ASSERT(!c.has_ops_in_flight());
  RC_ASSERT(c.in.empty());
  RC_ASSERT(c.out.empty());
  c.fd = fd;
  c.state = Connection::State::Open;
  c.recv_wanted = true;
  c.recv_starved = false;
  c.flush_queued = false;
  c.peer_closed = false;
  c.out_paused = false;
  c.client.reset();
  c.client_from_proxy_header = false;
  c.accepted_ms = now_ms;
  return &c;
}

void ConnectionTable::release(Connection& c) {
  RC_ASSERT(c.state == Connection::State::Closing);
  RC_ASSERT(!c.has_ops_in_flight());
  RC_ASSERT(&slots_[c.index] == &c);
  RC_ASSERT(free_.size() < slots_.size());  // a slot is released once per use
  c.state = Connection::State::Free;
  c.fd = -1;
  c.generation = (c.generation + 1) & io::kGenerationMask;
  InputPool::take_back(c.in);
  c.out.reset();
  free_.push_back(c.index);
}

}  // namespace rollcall::net

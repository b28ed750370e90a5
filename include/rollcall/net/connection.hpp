#pragma once
/// Connection slots: preallocated at start-up from `--max-connections`, reused with
/// a generation counter (see io/user_data.hpp), never allocated per connection.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollcall/common/assert.hpp"
#include "rollcall/io/user_data.hpp"
#include "rollcall/net/ip_address.hpp"
#include "rollcall/net/out_buffer.hpp"

namespace rollcall::net {

/// Identifies one connection across its lifetime: a slot index plus the slot's
/// generation at accept. Stale handles (slot reused since) are detectable.
struct ConnectionHandle {
  std::uint32_t index = 0xFFFFFFFFu;
  std::uint32_t generation = 0;
};

struct Connection {
  enum class State : std::uint8_t {
    Free,     ///< slot unused
    Open,     ///< reading and writing
    Closing,  ///< close requested; waiting for in-flight ops before the slot is freed
  };

  int fd = -1;
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  State state = State::Free;
  bool recv_armed = false;      ///< a multishot recv is outstanding
  bool recv_wanted = true;      ///< protocol wants bytes (false while paused)
  bool recv_starved = false;    ///< recv ended with -ENOBUFS; re-arm when buffers return
  bool send_in_flight = false;  ///< a send SQE points into `out`
  bool flush_queued = false;    ///< listed in the shard's flush list for this turn
  bool peer_closed = false;     ///< recv returned 0 (peer shut down its write side)
  bool out_paused = false;      ///< owed more than the output budget: not read until drained
  /// The client's address for per-client limits: the TCP peer's from the accept, or
  /// the one a trusted proxy's PROXY header named (shard/proxy_intake.hpp); none
  /// when the peer is not IP.
  std::optional<IpAddress> client;
  /// A PROXY header settled `client` (even to the proxy's own address, for a header
  /// that named none): X-Forwarded-For on this connection is not believed.
  bool client_from_proxy_header = false;
  std::uint64_t accepted_ms = 0;
  std::string in;  ///< received bytes not yet consumed by the protocol
  OutBuffer out;

  ConnectionHandle handle() const { return {index, generation}; }
  bool open() const { return state == State::Open; }
  /// Operations whose completion must arrive before the slot can be reused.
  bool has_ops_in_flight() const { return recv_armed || send_in_flight; }
};

/// Fixed array of connection slots with a LIFO free list (recently used slots are
/// warm in cache).
class ConnectionTable {
 public:
  explicit ConnectionTable(std::uint32_t capacity);

  std::uint32_t capacity() const { return static_cast<std::uint32_t>(slots_.size()); }
  std::uint32_t in_use() const { return capacity() - static_cast<std::uint32_t>(free_.size()); }

  /// Takes a free slot for `fd`, or nullptr when all are in use.
  Connection* acquire(int fd, std::uint64_t now_ms);
  /// Returns a Closing slot with nothing in flight to the free list; bumps its generation.
  void release(Connection& c);

  Connection& at(std::uint32_t index) {
    RC_ASSERT(index < slots_.size());
    return slots_[index];
  }
  /// The connection for `handle` if it is still the same connection, else nullptr.
  Connection* find(ConnectionHandle handle) {
    if (handle.index >= slots_.size()) return nullptr;
    Connection& c = slots_[handle.index];
    if (c.state == Connection::State::Free || c.generation != handle.generation) return nullptr;
    return &c;
  }

  template <typename Fn>
  void for_each_open(Fn&& fn) {
    for (Connection& c : slots_) {
      if (c.state == Connection::State::Open) fn(c);
    }
  }

 private:
  std::vector<Connection> slots_;
  std::vector<std::uint32_t> free_;
};

}  // namespace rollcall::net

#pragma once
/// The seam between the shard's I/O loop and a protocol (HTTP now, WebSocket later).
///
/// The loop owns sockets, buffers and completions; a `ConnectionHandler` decides
/// what bytes mean and what to answer. The handler calls back into the loop through
/// `Reactor` to queue output, arm timers, pause reading and close.

#include <cstddef>
#include <cstdint>

#include "rollcall/net/connection.hpp"

namespace rollcall::net {

/// How to close a connection.
enum class CloseMode : std::uint8_t {
  /// Send what is queued, shut down our write side, read and discard until the
  /// peer closes or the linger timeout passes (so the peer reads our last answer
  /// instead of a reset), then close.
  Graceful,
  /// Close now; queued output is dropped.
  Abort,
};

/// What the loop offers a protocol handler. Implemented by the shard.
class Reactor {
 public:
  /// Schedules `c.out` to be sent at the end of this loop turn (coalesced).
  virtual void flush(Connection& c) = 0;
  virtual void close(Connection& c, CloseMode mode) = 0;
  /// Sets the connection's single deadline (monotonic ms); replaces any earlier one.
  virtual void set_deadline(Connection& c, std::uint64_t deadline_ms) = 0;
  virtual void clear_deadline(Connection& c) = 0;
  /// Stops (false) or resumes (true) delivering received bytes.
  virtual void set_receiving(Connection& c, bool receiving) = 0;
  /// Monotonic ms, read once per loop turn.
  virtual std::uint64_t now_ms() const = 0;
  /// The output budget: unsent bytes one connection may be owed. Past it the loop
  /// stops reading the connection until its output drains; protocols stop doing
  /// work for it (and a live subscriber is closed) rather than queue more.
  virtual std::size_t output_budget() const = 0;
  bool over_budget(const Connection& c) const { return c.out.backlog_bytes() > output_budget(); }

 protected:
  ~Reactor() = default;
};

/// Protocol callbacks, all on the shard's thread.
class ConnectionHandler {
 public:
  /// A new connection was accepted.
  virtual void on_open(Reactor& r, Connection& c) = 0;
  /// Bytes arrived. `data` is mutable and valid only during the call; whatever the
  /// handler does not consume it must copy (usually into `c.in`).
  virtual void on_data(Reactor& r, Connection& c, char* data, std::size_t len) = 0;
  /// The peer closed its write side (recv returned 0).
  virtual void on_peer_closed(Reactor& r, Connection& c) = 0;
  /// Everything queued in `c.out` has been sent.
  virtual void on_drained(Reactor& r, Connection& c) = 0;
  /// The connection's deadline passed.
  virtual void on_deadline(Reactor& r, Connection& c) = 0;
  /// The connection is gone (any reason); release per-connection state.
  virtual void on_closed(Connection& c) = 0;
  /// The server is shutting down: finish what is in progress, then close.
  virtual void on_shutdown(Reactor& r, Connection& c) = 0;

 protected:
  ~ConnectionHandler() = default;
};

}  // namespace rollcall::net

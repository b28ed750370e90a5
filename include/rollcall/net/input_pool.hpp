#pragma once
/// Memory for the bytes a connection keeps between reads (`Connection::in`): the
/// start of a request split over two receives (the receive buffers are consumed
/// incrementally, so a request that meets a buffer's end arrives in two pieces), or
/// what a paused connection received. Such bytes are kept briefly and by few
/// connections at once, so a connection borrows a `kBytes` string from its shard's
/// pool (thread-local: no locks) and gives it back when the bytes are consumed or
/// the connection ends; at most `kKept` wait in a pool (512 KiB per shard). A warm
/// shard therefore keeps a split request without touching the heap (a storm of
/// upgrades used to cost two allocations each time a request was split).

#include <cstddef>
#include <string>

namespace rollcall::net {

class InputPool {
 public:
  static constexpr std::size_t kBytes = 2048;
  static constexpr std::size_t kKept = 256;

  /// Before bytes go into `in`: one with no room of its own borrows a pooled string.
  static void lend(std::string& in);
  /// `in`'s bytes are done with: its memory goes back to the pool (a borrowed size,
  /// room left) or to the heap, and `in` is left empty, holding nothing.
  static void take_back(std::string& in);
  /// Strings waiting in this thread's pool (tests, metrics).
  static std::size_t kept();
};

}  // namespace rollcall::net

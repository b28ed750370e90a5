#pragma once
/// The 64-bit io_uring `user_data` tag every SQE carries, and its decoders.
///
/// Bit layout (most significant first):
///
///     63      56 55                    32 31                             0
///    +----------+------------------------+--------------------------------+
///    |  op (8)  |    generation (24)     |          index (32)            |
///    +----------+------------------------+--------------------------------+
///
/// - op: what was submitted (`Op` below), so one switch dispatches every CQE.
/// - generation: the connection slot's generation when the SQE was submitted.
///   A slot's generation is bumped each time the slot is reused, so a completion
///   that arrives after its connection closed and the slot was handed to a new
///   connection carries an old generation and is recognised as stale.
///   24 bits wrap after 16.7M reuses of one slot; a completion would have to stay
///   in flight across all of them to be mistaken, which the in-flight accounting
///   (a slot is only reused once it has no operation in flight) rules out anyway.
/// - index: the connection slot for connection ops; the listener or sender shard
///   for others; 0 when unused.
///
/// user_data 0 is never produced (Op::None is 0 and never submitted), so a zeroed
/// CQE cannot be mistaken for a real one.

#include <cstdint>

namespace rollcall::io {

enum class Op : std::uint8_t {
  None = 0,
  Accept = 1,     ///< multishot accept on the shard's listener
  Recv = 2,       ///< multishot recv on a connection (provided buffers)
  Send = 3,       ///< send of a connection's output queue
  Close = 4,      ///< close(2) of a connection fd (completion ignored)
  Cancel = 5,     ///< cancel of a connection's recv (completion ignored)
  Tick = 6,       ///< the shard's periodic timeout driving its timer wheel
  Wake = 7,       ///< MSG_RING from another shard: its mailbox has messages (index = sender)
  Signal = 8,     ///< read of the signalfd (shard 0 only)
  Shutdown = 9,   ///< shutdown(2) of a connection (completion ignored)
  Internal = 10,  ///< completions the loop ignores (e.g. MSG_RING sender side)
  LogWrite = 11,  ///< write of a write-ahead-log batch
  LogSync = 12,   ///< fdatasync linked to a LogWrite
};

inline constexpr std::uint32_t kGenerationBits = 24;
inline constexpr std::uint32_t kGenerationMask = (1u << kGenerationBits) - 1;

constexpr std::uint64_t make_user_data(Op op, std::uint32_t generation, std::uint32_t index) {
  return (static_cast<std::uint64_t>(op) << 56) |
         (static_cast<std::uint64_t>(generation & kGenerationMask) << 32) | index;
}

constexpr Op op_of(std::uint64_t user_data) {
  return static_cast<Op>(user_data >> 56);
}
constexpr std::uint32_t generation_of(std::uint64_t user_data) {
  return static_cast<std::uint32_t>(user_data >> 32) & kGenerationMask;
}
constexpr std::uint32_t index_of(std::uint64_t user_data) {
  return static_cast<std::uint32_t>(user_data);
}

}  // namespace rollcall::io

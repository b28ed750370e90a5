#pragma once
/// A cross-shard message: a function to run on the receiving shard plus six
/// 64-bit words of payload (ids, counts, or a pointer whose ownership travels with
/// the message). Trivially copyable, one cache line.

#include <cstdint>

namespace rollcall::shard {

class Shard;

struct Message {
  using Fn = void (*)(Shard& receiver, const Message& message);
  Fn fn = nullptr;
  std::uint32_t from = 0;  ///< sending shard id (filled in by `Shard::post`)
  std::uint32_t tag = 0;   ///< free for the sender's use
  std::uint64_t words[6] = {};
};
static_assert(sizeof(Message) == 64, "a message is one cache line");

}  // namespace rollcall::shard

#pragma once
/// A cross-shard message, one cache line, trivially copyable. Either a
/// notification (a function to run on the receiving shard plus five 64-bit words of
/// plain values: ids, counts, never pointers) or an owned task (task.hpp), whose
/// ownership travels with the message.

#include <cstdint>

namespace rollcall::shard {

class Shard;
class Task;

struct Message {
  using Fn = void (*)(Shard& receiver, const Message& message);
  Fn fn = nullptr;         ///< a notification: run with the words
  Task* task = nullptr;    ///< or a task, owned by the message (set only by `Shard::post`)
  std::uint32_t from = 0;  ///< sending shard id (filled in by `Shard::post`)
  std::uint64_t words[5] = {};
};
static_assert(sizeof(Message) == 64, "a message is one cache line");

}  // namespace rollcall::shard

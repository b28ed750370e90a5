#pragma once
/// Work that travels between shards, or waits on one shard for a later loop turn.
///
/// A task is owned by exactly one shard at a time: the sender until it is posted,
/// the mailbox in transit, the receiving shard while it runs. `run` receives that
/// ownership as `self`: letting `self` go out of scope destroys the task; moving it
/// on (posting it to another shard, or keeping it until something completes) passes
/// the ownership along. No pointer ever travels in a message's integer words.

#include <memory>

namespace rollcall::shard {

class Shard;

class Task {
 public:
  virtual ~Task() = default;
  /// Runs on the shard the task was posted (or deferred) to, on that shard's thread.
  /// `self` owns this task.
  virtual void run(Shard& here, std::unique_ptr<Task> self) = 0;
};

}  // namespace rollcall::shard

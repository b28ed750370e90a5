#pragma once
/// The store an owner shard writes its commands through: the seam where a storage
/// engine plugs in. The embedded per-shard write-ahead log (wal/) is the default;
/// a replicated engine implements the same interface.
///
/// Contract: a command appended is durable once a waiter registered after it is
/// told so. Waiters never run inline (not in `when_durable`, not in the I/O
/// completion that made the commands durable): the store defers them to the shard's
/// loop, which runs them on a later turn, in registration order. Once the store
/// fails it stays failed: every waiter still pending, and every later one, is told
/// `durable() == false`, and `append` must not be called.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/commands.hpp"
#include "rollcall/domain/push.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/shard/task.hpp"

namespace rollcall::storage {

/// Work that waits until the commands appended before it are durable (or never can
/// be). The store sets the verdict, then runs it on the shard's loop.
class Waiter : public shard::Task {
 public:
  void settle(bool durable) { durable_ = durable; }

 protected:
  bool durable() const { return durable_; }

 private:
  bool durable_ = false;
};

/// A waiter that calls `fn(durable)`: `fn` may own what the answer needs (a Reply).
template <typename Fn>
class Then final : public Waiter {
 public:
  explicit Then(Fn fn) : fn_(std::move(fn)) {}
  void run(shard::Shard&, std::unique_ptr<shard::Task>) override { fn_(durable()); }

 private:
  Fn fn_;
};

template <typename Fn>
std::unique_ptr<Waiter> then(Fn fn) {
  return std::make_unique<Then<Fn>>(std::move(fn));
}

/// What a checkpoint writes: the owner shard's whole state as of everything durable.
struct Checkpoint {
  std::vector<const domain::ClassAttendance*> classes;
  /// The roster with this generation's enrollments (the roster owner only, else null).
  const domain::Roster* roster = nullptr;
  /// The push directory as of everything durable (the roster owner only, else null).
  const domain::PushDirectory* push = nullptr;
  /// The live-update history of these classes (live/feed_store.hpp), opaque here.
  std::string feeds;
};

class Log {
 public:
  virtual ~Log() = default;

  virtual bool healthy() const = 0;
  /// Appends `command` (well formed; the log healthy). Durable after a later flush.
  virtual void append(const domain::Command& command) = 0;
  /// Runs `waiter` on a later loop turn, once everything appended so far is durable
  /// (or can never be).
  virtual void when_durable(std::unique_ptr<Waiter> waiter) = 0;
  /// Hands what this loop turn appended to the disk (group commit). Once per turn.
  virtual void flush() = 0;
  /// True when a checkpoint is due (the log grew enough) and possible now (nothing
  /// in flight, so the owner's memory equals the durable state).
  virtual bool checkpoint_due() const = 0;
  /// Writes `image` as the new base and drops what it covers. Only when due.
  virtual void checkpoint(const Checkpoint& image) = 0;
};

}  // namespace rollcall::storage

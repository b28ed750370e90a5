#pragma once
/// A typed round trip between shards, in the spirit of Seastar's `submit_to`:
/// `submit` takes a job, runs it on the shard that owns the data (the owner), brings
/// it back to the shard that asked (the origin) and finishes it there, on a later
/// loop turn, and only while the connection it answers is still the same one.
///
/// A Job is a movable type with two members:
///
///   void run(Shard& owner, Reply<Job> reply);
///       On the owner. Does the work, then `reply.send()`: at once, or later (keep
///       the Reply, e.g. until what the job wrote is durable). The job is the one
///       `reply` carries, so `this` stays valid while the Reply lives.
///   void finish(Shard& origin, net::Connection& connection);
///       On the origin, never in the turn that submitted the job (so a handler that
///       handed its request on has always returned first), and not at all if the
///       connection closed meanwhile (its slot may serve someone else by now).
///   void abandoned(Shard& origin);   (optional)
///       Instead of `finish` when the connection closed meanwhile: undo what the
///       job set up for it.
///
/// When the origin owns the data itself the job runs at once, without a mailbox
/// trip; its finish still waits for the next turn.
///
/// The task that carries a job (`Call<Job>`) comes from the thread's block cache
/// (shard/block_cache.hpp), so a warm round trip allocates nothing for it.

#include <memory>
#include <utility>

#include "rollcall/net/connection.hpp"
#include "rollcall/shard/block_cache.hpp"
#include "rollcall/shard/shard.hpp"
#include "rollcall/shard/task.hpp"

namespace rollcall::shard {

template <typename Job>
class Call;

/// The owner's handle on a job it must answer. Move-only; `send` once. Dropping an
/// unsent Reply drops the answer (the origin's deferred-answer timeout then answers
/// for it), which only happens when the owner is stopping.
template <typename Job>
class Reply {
 public:
  Reply(Reply&&) noexcept = default;
  Reply& operator=(Reply&&) noexcept = default;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;

  Job& job() { return *job_; }
  bool sent() const { return call_ == nullptr; }

  /// Sends the job back to its origin, where `finish` runs on a later turn. A reply
  /// is never refused by a full mailbox: the change it reports has been made.
  void send() {
    RC_ASSERT(call_ != nullptr);
    const bool posted = owner_->post(origin_, call_, Shard::PostMode::Always);
    RC_ASSERT(posted && call_ == nullptr);
  }

 private:
  friend class Call<Job>;
  Reply(Shard& owner, unsigned origin, std::unique_ptr<Task> call, Job& job)
      : owner_(&owner), origin_(origin), call_(std::move(call)), job_(&job) {}

  Shard* owner_;
  unsigned origin_;
  std::unique_ptr<Task> call_;
  Job* job_;
};

/// The task that carries a job there and back (see the top of this file).
template <typename Job>
class Call final : public Task {
 public:
  Call(unsigned origin, net::ConnectionHandle connection, Job job)
      : origin_(origin), connection_(connection), job_(std::move(job)) {}

  // Made and freed once per round trip: from the shard's block cache, not the heap.
  static void* operator new(std::size_t bytes) {
    static_assert(alignof(Call) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    RC_ASSERT(bytes == sizeof(Call));
    return BlockCache<sizeof(Call)>::take();
  }
  static void operator delete(void* p) { BlockCache<sizeof(Call)>::give(p); }

  void run(Shard& here, std::unique_ptr<Task> self) override {
    RC_ASSERT(self.get() == this);
    if (!ran_on_owner_) {
      ran_on_owner_ = true;
      job_.run(here, Reply<Job>(here, origin_, std::move(self), job_));
      return;
    }
    RC_ASSERT(here.id() == origin_);
    if (net::Connection* c = here.connections().find(connection_)) {
      job_.finish(here, *c);
    } else if constexpr (requires { job_.abandoned(here); }) {
      job_.abandoned(here);
    }
  }

 private:
  unsigned origin_;
  net::ConnectionHandle connection_;
  bool ran_on_owner_ = false;
  Job job_;
};

/// Runs `job` on shard `owner` and finishes it on `origin` for `connection`.
/// Returns false, dropping the job, only if the owner's mailbox is full (the
/// caller answers `503 overloaded`) in Bounded mode; a job for the origin itself
/// always runs.
template <typename Job>
[[nodiscard]] bool submit(Shard& origin, unsigned owner, net::ConnectionHandle connection, Job job,
                          Shard::PostMode mode = Shard::PostMode::Bounded) {
  auto call = std::make_unique<Call<Job>>(origin.id(), connection, std::move(job));
  if (owner == origin.id()) {
    Call<Job>& raw = *call;
    raw.run(origin, std::move(call));
    return true;
  }
  std::unique_ptr<Task> task = std::move(call);
  return origin.post(owner, task, mode);
}

}  // namespace rollcall::shard

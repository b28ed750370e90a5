// Typed round trips between shards (shard/call.hpp) and deferred tasks, through real
// shard loops: where a job runs, where and when it finishes, and that a finish for
// a connection that closed meanwhile never runs.

#include "rollcall/shard/call.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "../allocation_counter.hpp"
#include "rollcall/shard/runtime.hpp"

namespace rollcall::shard {
namespace {

Runtime::Options options(unsigned shards) {
  Runtime::Options o;
  o.shard_count = shards;
  o.mailbox_capacity = 64;
  o.shard.max_connections = 4;
  o.shard.recv_buffers = 16;
  o.shard.sq_entries = 64;
  o.shard.cq_entries = 256;
  o.shard.pin_to_core = false;
  return o;
}

// What the jobs saw, written by the shards, read after join.
struct Seen {
  std::atomic<unsigned> ran_on{99};
  std::atomic<unsigned> finished_on{99};
  std::atomic<std::uint64_t> submit_turn{0};
  std::atomic<std::uint64_t> finish_turn{0};
  std::atomic<int> finishes{0};
  std::atomic<int> jobs_destroyed{0};
  std::atomic<bool> submitted{false};
};

// Frees a slot taken by the test (as the loop would once a connection closed).
void release(Shard& s, net::Connection& c) {
  c.state = net::Connection::State::Closing;
  s.connections().release(c);
}

struct EchoJob {
  Seen* seen = nullptr;
  bool answer_later = false;  // keep the Reply and send it from a deferred task
  std::unique_ptr<int> alive = std::make_unique<int>(1);  // null once moved from

  EchoJob(Seen* s, bool later) : seen(s), answer_later(later) {}
  EchoJob(EchoJob&&) = default;
  ~EchoJob() {
    if (alive) seen->jobs_destroyed.fetch_add(1);
  }

  void run(Shard& owner, Reply<EchoJob> reply);
  void finish(Shard& origin, net::Connection& c) {
    seen->finished_on = origin.id();
    seen->finish_turn = origin.metrics().loop_turns.get();
    seen->finishes.fetch_add(1);
    release(origin, c);
  }
};

// Sends a reply on the turn after it was deferred.
struct SendLater final : Task {
  explicit SendLater(Reply<EchoJob> r) : reply(std::move(r)) {}
  void run(Shard&, std::unique_ptr<Task>) override { reply.send(); }
  Reply<EchoJob> reply;
};

void EchoJob::run(Shard& owner, Reply<EchoJob> reply) {
  EXPECT_EQ(&reply.job(), this);
  seen->ran_on = owner.id();
  if (answer_later) {
    owner.defer(std::make_unique<SendLater>(std::move(reply)));
    return;
  }
  reply.send();
}

// Runs `scenario` once on shard 0's first turn, and stops the runtime once
// `done()` holds.
void run_scenario(unsigned shards, const std::function<void(Shard&)>& scenario,
                  const std::function<bool()>& done) {
  Runtime runtime(options(shards));
  bool started = false;
  ASSERT_TRUE(runtime
                  .start(nullptr,
                         [&](Shard& s) {
                           if (s.id() != 0) return;
                           s.add_poller([&](Shard& self) {
                             if (!started) {
                               started = true;
                               scenario(self);
                             }
                             if (done()) self.runtime().begin_shutdown();
                             return false;
                           });
                         })
                  .ok());
  runtime.join();
}

TEST(Call, AJobRunsOnItsOwnerAndFinishesOnTheOrigin) {
  Seen seen;
  run_scenario(
      2,
      [&](Shard& self) {
        net::Connection* c = self.connections().acquire(-1, 0);
        ASSERT_NE(c, nullptr);
        seen.submit_turn = self.metrics().loop_turns.get();
        ASSERT_TRUE(submit(self, 1, c->handle(), EchoJob(&seen, false)));
      },
      [&] { return seen.jobs_destroyed.load() == 1; });
  EXPECT_EQ(seen.ran_on.load(), 1u);
  EXPECT_EQ(seen.finished_on.load(), 0u);
  EXPECT_EQ(seen.finishes.load(), 1);
  EXPECT_GT(seen.finish_turn.load(), seen.submit_turn.load());
}

TEST(Call, AJobForTheOriginRunsAtOnceButFinishesOnALaterTurn) {
  Seen seen;
  bool finished_inside_submit = true;
  run_scenario(
      1,
      [&](Shard& self) {
        net::Connection* c = self.connections().acquire(-1, 0);
        ASSERT_NE(c, nullptr);
        seen.submit_turn = self.metrics().loop_turns.get();
        ASSERT_TRUE(submit(self, 0, c->handle(), EchoJob(&seen, false)));
        EXPECT_EQ(seen.ran_on.load(), 0u);  // ran inline: no mailbox trip
        finished_inside_submit = seen.finishes.load() != 0;
      },
      [&] { return seen.jobs_destroyed.load() == 1; });
  EXPECT_FALSE(finished_inside_submit);
  EXPECT_EQ(seen.finishes.load(), 1);
  EXPECT_GT(seen.finish_turn.load(), seen.submit_turn.load());
}

TEST(Call, AReplyKeptOnTheOwnerIsSentLater) {
  Seen seen;
  run_scenario(
      2,
      [&](Shard& self) {
        net::Connection* c = self.connections().acquire(-1, 0);
        ASSERT_TRUE(submit(self, 1, c->handle(), EchoJob(&seen, true)));
      },
      [&] { return seen.jobs_destroyed.load() == 1; });
  EXPECT_EQ(seen.ran_on.load(), 1u);
  EXPECT_EQ(seen.finishes.load(), 1);
}

TEST(Call, NoFinishForAConnectionThatClosedMeanwhile) {
  for (const unsigned owner : {0u, 1u}) {
    Seen seen;
    run_scenario(
        2,
        [&](Shard& self) {
          net::Connection* c = self.connections().acquire(-1, 0);
          const net::ConnectionHandle handle = c->handle();
          ASSERT_TRUE(submit(self, owner, handle, EchoJob(&seen, false)));
          release(self, *c);  // the client left before the answer came back
          net::Connection* reused = self.connections().acquire(-1, 0);
          ASSERT_EQ(reused->index, handle.index);  // same slot, another generation
          release(self, *reused);
        },
        [&] { return seen.jobs_destroyed.load() == 1; });
    EXPECT_EQ(seen.ran_on.load(), owner) << "owner " << owner;
    EXPECT_EQ(seen.finishes.load(), 0) << "owner " << owner;
  }
}

struct Count final : Task {
  explicit Count(std::vector<int>* order, int n) : order_(order), n_(n) {}
  void run(Shard& here, std::unique_ptr<Task>) override {
    order_->push_back(n_);
    // Deferred while running deferred tasks: waits for the next turn.
    if (n_ < 3) here.defer(std::make_unique<Count>(order_, n_ + 10));
  }
  std::vector<int>* order_;
  int n_;
};

// Every forwarded request and every live subscription makes and frees one Call: once
// warm, a Call is the memory of the one freed before it, not a heap allocation.
struct PlainJob {
  int n = 0;
  void run(Shard&, Reply<PlainJob>) {}
  void finish(Shard&, net::Connection&) {}
};

TEST(Call, ARoundTripsTaskReusesTheMemoryOfTheLastOne) {
  auto first = std::make_unique<Call<PlainJob>>(0, net::ConnectionHandle{}, PlainJob{});
  const void* const at = first.get();
  first.reset();
  std::size_t elsewhere = 0;
  rollcall::testing::start_counting_allocations();
  for (int i = 0; i < 1000; ++i) {
    std::unique_ptr<Task> t =
        std::make_unique<Call<PlainJob>>(0, net::ConnectionHandle{}, PlainJob{i});
    if (t.get() != at) ++elsewhere;
  }
  EXPECT_EQ(rollcall::testing::stop_counting_allocations(), 0u);
  EXPECT_EQ(elsewhere, 0u);
  EXPECT_GE(BlockCache<sizeof(Call<PlainJob>)>::kept(), 1u);
}

TEST(Call, TheCacheKeepsABoundedNumberOfBlocks) {
  std::vector<std::unique_ptr<Task>> many;
  for (int i = 0; i < 1000; ++i)
    many.push_back(std::make_unique<Call<PlainJob>>(0, net::ConnectionHandle{}, PlainJob{i}));
  many.clear();
  EXPECT_EQ(BlockCache<sizeof(Call<PlainJob>)>::kept(), BlockCache<sizeof(Call<PlainJob>)>::kKept);
}

TEST(Shard, DeferredTasksRunInOrderOnLaterTurns) {
  std::vector<int> order;
  std::atomic<bool> done{false};
  run_scenario(
      1,
      [&](Shard& self) {
        for (int n = 1; n <= 3; ++n) self.defer(std::make_unique<Count>(&order, n));
        EXPECT_TRUE(order.empty());  // nothing inline
      },
      [&] {
        done = order.size() == 5;
        return done.load();
      });
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 11, 12}));
}

}  // namespace
}  // namespace rollcall::shard

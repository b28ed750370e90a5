#include "rollcall/shard/runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace rollcall::shard {
namespace {

Runtime::Options options(unsigned shards) {
  Runtime::Options o;
  o.shard_count = shards;
  o.mailbox_capacity = 1024;  // small, so the overflow path is exercised too
  o.shard.max_connections = 4;
  o.shard.recv_buffers = 16;
  o.shard.sq_entries = 256;
  o.shard.cq_entries = 1024;
  o.shard.pin_to_core = false;
  return o;
}

// Per receiving shard: the next sequence number expected from each sender.
struct Tally {
  std::vector<std::uint64_t> next_from;
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
};

struct AllToAll {
  std::uint64_t per_pair = 0;
  std::vector<Tally> tally;            // indexed by receiver; touched only by its shard
  std::vector<std::uint64_t> sent_to;  // [sender * n + receiver]; touched only by sender
  std::atomic<unsigned> finished_receivers{0};
  unsigned n = 0;
};

AllToAll* g_test = nullptr;

void on_message(Shard& self, const Message& m) {
  Tally& t = g_test->tally[self.id()];
  if (m.words[0] != t.next_from[m.from]) ++t.out_of_order;
  t.next_from[m.from] = m.words[0] + 1;
  ++t.received;
  if (t.received == g_test->per_pair * g_test->n) {
    if (g_test->finished_receivers.fetch_add(1) + 1 == g_test->n) self.runtime().begin_shutdown();
  }
}

// Sends in bursts from a poller, so the run spans many loop turns and the queues
// fill up (exercising the overflow and the wake-ups) without unbounded memory.
bool pump(Shard& self) {
  const unsigned n = g_test->n;
  bool did = false;
  for (unsigned to = 0; to < n; ++to) {
    std::uint64_t& sent = g_test->sent_to[self.id() * n + to];
    for (int burst = 0; burst < 512 && sent < g_test->per_pair; ++burst) {
      Message m;
      m.fn = on_message;
      m.words[0] = sent;
      if (!self.post(to, m)) break;  // overflow full: try again next turn
      ++sent;
      did = true;
    }
  }
  return did;
}

void run_all_to_all(unsigned shards, std::uint64_t per_pair) {
  AllToAll test;
  test.per_pair = per_pair;
  test.n = shards;
  test.tally.resize(shards);
  for (Tally& t : test.tally) t.next_from.assign(shards, 0);
  test.sent_to.assign(static_cast<std::size_t>(shards) * shards, 0);
  g_test = &test;

  Runtime runtime(options(shards));
  ASSERT_TRUE(runtime.start(nullptr, [](Shard& s) { s.add_poller(pump); }).ok());
  runtime.join();
  g_test = nullptr;

  for (unsigned r = 0; r < shards; ++r) {
    EXPECT_EQ(test.tally[r].received, per_pair * shards) << "receiver " << r;
    EXPECT_EQ(test.tally[r].out_of_order, 0u) << "receiver " << r;
    for (unsigned s = 0; s < shards; ++s) EXPECT_EQ(test.tally[r].next_from[s], per_pair);
  }
  std::uint64_t sent = 0, received = 0;
  for (unsigned s = 0; s < shards; ++s) {
    sent += runtime.shard(s).metrics().messages_sent.get();
    received += runtime.shard(s).metrics().messages_received.get();
  }
  // Shutdown adds a few wake-up messages of its own; ours must all be there.
  EXPECT_GE(sent, per_pair * shards * shards);
  EXPECT_GE(received, per_pair * shards * shards);
}

TEST(Runtime, AMillionCrossShardMessagesArriveOnceAndInOrder) {
  // 2 shards x 2 destinations x 500k: a million messages cross shards (and a
  // million more go to the sender itself), all through the real loops and wake-ups.
  run_all_to_all(2, 500'000);
}

TEST(Runtime, FourShardsAllToAllOnTwoCores) {
  run_all_to_all(4, 50'000);
}

TEST(Runtime, ShutdownFromAnotherThreadStopsEveryShard) {
  Runtime runtime(options(3));
  std::atomic<unsigned> running{0};
  ASSERT_TRUE(runtime.start(nullptr, [&](Shard&) { running.fetch_add(1); }).ok());
  EXPECT_TRUE(runtime.ready());
  runtime.begin_shutdown();
  EXPECT_FALSE(runtime.ready());
  runtime.join();  // returns only if every loop ended
  EXPECT_EQ(running.load(), 3u);
  EXPECT_TRUE(runtime.all_drained());
}

}  // namespace
}  // namespace rollcall::shard

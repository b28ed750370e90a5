#include "rollcall/auth/fair_queue.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <memory>
#include <string>
#include <vector>

namespace rollcall::auth {
namespace {

class FairQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

using Queue = FairQueue<std::string>;

Queue::Push push(Queue& q, std::string_view key, std::string item) {
  return q.push(key, item);
}

std::vector<std::string> drain(Queue& q) {
  std::vector<std::string> out;
  while (std::optional<std::string> item = q.pop()) out.push_back(*item);
  return out;
}

TEST_F(FairQueueTest, ServesKeysInTurnEachInArrivalOrder) {
  Queue q(100, 10);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(push(q, "flood", "f" + std::to_string(i)), Queue::Push::Queued);
  ASSERT_EQ(push(q, "alice", "a0"), Queue::Push::Queued);
  ASSERT_EQ(push(q, "bob", "b0"), Queue::Push::Queued);
  ASSERT_EQ(push(q, "alice", "a1"), Queue::Push::Queued);
  EXPECT_EQ(q.size(), 7u);
  EXPECT_EQ(q.keys(), 3u);
  EXPECT_EQ(drain(q), (std::vector<std::string>{"f0", "a0", "b0", "f1", "a1", "f2", "f3"}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.keys(), 0u);
}

// The property the auth shard relies on: however much one key queued, a key that
// arrives later waits for at most one item of each other waiting key.
TEST_F(FairQueueTest, ALateKeyWaitsAtMostOneItemPerOtherKey) {
  Queue q(1000, 100);
  for (int i = 0; i < 100; ++i) push(q, "flood", "f");
  for (int i = 0; i < 50; ++i) push(q, "other", "o");
  ASSERT_EQ(q.pop(), "f");  // one is being served when the real user arrives
  push(q, "real", "r");
  int before = 0;
  while (q.pop() != "r") ++before;
  EXPECT_LE(before, 2);  // flood's next and other's next, at most
  EXPECT_GE(before, 1);
}

TEST_F(FairQueueTest, RefusesBeyondEitherBoundAndKeepsTheItem) {
  Queue q(5, 2);
  EXPECT_EQ(push(q, "a", "1"), Queue::Push::Queued);
  EXPECT_EQ(push(q, "a", "2"), Queue::Push::Queued);
  std::string third = "3";
  EXPECT_EQ(q.push("a", third), Queue::Push::KeyFull);
  EXPECT_EQ(third, "3");  // not moved from
  EXPECT_EQ(push(q, "b", "1"), Queue::Push::Queued);
  EXPECT_EQ(push(q, "c", "1"), Queue::Push::Queued);
  EXPECT_EQ(push(q, "d", "1"), Queue::Push::Queued);
  std::string sixth = "6";
  EXPECT_EQ(q.push("e", sixth), Queue::Push::Full);
  EXPECT_EQ(sixth, "6");
  EXPECT_EQ(q.size(), 5u);
  // Popping frees room again, for that key too.
  ASSERT_EQ(q.pop(), "1");
  EXPECT_EQ(push(q, "a", "3"), Queue::Push::Queued);
}

TEST_F(FairQueueTest, RemoveIfHandsOverTheRemovedAndKeepsTheRestInTurn) {
  Queue q(100, 10);
  push(q, "a", "a-keep");
  push(q, "a", "a-gone");
  push(q, "b", "b-gone");
  push(q, "c", "c-keep");
  push(q, "b", "b-gone2");
  std::vector<std::string> removed;
  const std::size_t n =
      q.remove_if([](std::string& s) { return s.find("gone") != std::string::npos; },
                  [&](std::string s) { removed.push_back(std::move(s)); });
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(removed.size(), 3u);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.keys(), 2u);  // b has nothing left: out of the rotation
  EXPECT_EQ(drain(q), (std::vector<std::string>{"a-keep", "c-keep"}));
  // A key emptied by remove_if can come back and gets a turn.
  push(q, "b", "b-new");
  EXPECT_EQ(drain(q), (std::vector<std::string>{"b-new"}));
}

TEST_F(FairQueueTest, HoldsMoveOnlyItems) {
  FairQueue<std::unique_ptr<int>> q(4, 2);
  auto one = std::make_unique<int>(1);
  ASSERT_EQ(q.push("x", one), FairQueue<std::unique_ptr<int>>::Push::Queued);
  EXPECT_EQ(one, nullptr);
  std::optional<std::unique_ptr<int>> out = q.pop();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(**out, 1);
  EXPECT_FALSE(q.pop().has_value());
}

}  // namespace
}  // namespace rollcall::auth

#include "rollcall/net/input_pool.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "../allocation_counter.hpp"

namespace rollcall::net {
namespace {

// Each test runs on a thread of its own: the pool is per thread, so it starts empty.
template <typename F>
void on_fresh_thread(F f) {
  std::thread(f).join();
}

TEST(InputPool, ASplitRequestKeptTwiceAllocatesOnlyTheFirstTime) {
  on_fresh_thread([] {
    std::string in;
    InputPool::lend(in);
    EXPECT_GE(in.capacity(), InputPool::kBytes);
    in.assign("GET /ws/attendance/1?token=");
    InputPool::take_back(in);
    EXPECT_EQ(in.capacity(), std::string().capacity());  // the connection holds nothing
    EXPECT_EQ(InputPool::kept(), 1u);

    rollcall::testing::start_counting_allocations();
    std::string next;
    InputPool::lend(next);
    next.assign(1500, 'x');  // fits the borrowed room
    next.append(500, 'y');
    const std::size_t allocations = rollcall::testing::stop_counting_allocations();
    EXPECT_EQ(allocations, 0u);
    EXPECT_EQ(InputPool::kept(), 0u);
    EXPECT_EQ(next.size(), 2000u);
  });
}

TEST(InputPool, LendingKeepsWhatTheStringHeld) {
  on_fresh_thread([] {
    std::string in = "GET /";  // short bytes in a string with no room of its own
    InputPool::lend(in);
    EXPECT_EQ(in, "GET /");
    EXPECT_GE(in.capacity(), InputPool::kBytes);
  });
}

TEST(InputPool, AtMostKKeptWaitAndOversizedStringsGoBackToTheHeap) {
  on_fresh_thread([] {
    std::vector<std::string> many(InputPool::kKept + 10);
    for (std::string& s : many) InputPool::lend(s);
    for (std::string& s : many) InputPool::take_back(s);
    EXPECT_EQ(InputPool::kept(), InputPool::kKept);

    std::string big;
    big.reserve(64 * 1024);  // a paused connection's backlog: not kept
    std::string empty_pool_probe;
    InputPool::lend(empty_pool_probe);  // one taken, so there is room for one more
    InputPool::take_back(big);
    EXPECT_EQ(InputPool::kept(), InputPool::kKept - 1);
    EXPECT_EQ(big.capacity(), std::string().capacity());
  });
}

}  // namespace
}  // namespace rollcall::net

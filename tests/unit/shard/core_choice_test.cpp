#include "rollcall/shard/core_choice.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <thread>

namespace rollcall::shard {
namespace {

cpu_set_t cores(std::initializer_list<int> list) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int c : list) CPU_SET(c, &set);
  return set;
}

TEST(CoreChoice, ShardsTakeTheAllowedCoresInTurn) {
  const cpu_set_t allowed = cores({3, 5, 7});
  EXPECT_EQ(core_for_shard(allowed, 0), 3);
  EXPECT_EQ(core_for_shard(allowed, 1), 5);
  EXPECT_EQ(core_for_shard(allowed, 2), 7);
  EXPECT_EQ(core_for_shard(allowed, 3), 3);  // more shards than cores: round again
  EXPECT_EQ(core_for_shard(allowed, 4), 5);
}

TEST(CoreChoice, OneAllowedCoreTakesEveryShard) {
  const cpu_set_t allowed = cores({1});
  for (unsigned id = 0; id < 4; ++id) EXPECT_EQ(core_for_shard(allowed, id), 1) << id;
}

TEST(CoreChoice, AnEmptySetChoosesNothing) {
  EXPECT_EQ(core_for_shard(cores({}), 0), std::nullopt);
}

// What the server does: a thread confined to one core stays on it whatever its id.
TEST(CoreChoice, AThreadIsNeverPinnedOutsideItsMask) {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof mine, &mine), 0);
  const std::optional<int> last = core_for_shard(mine, static_cast<unsigned>(CPU_COUNT(&mine) - 1));
  ASSERT_TRUE(last.has_value());
  std::thread t([&] {
    const cpu_set_t only = cores({*last});
    ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof only, &only), 0);
    for (unsigned id = 0; id < 3; ++id) {
      EXPECT_TRUE(pin_to_allowed_core(id));
      cpu_set_t now;
      CPU_ZERO(&now);
      ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof now, &now), 0);
      EXPECT_EQ(CPU_COUNT(&now), 1);
      EXPECT_TRUE(CPU_ISSET(*last, &now)) << "shard " << id << " left core " << *last;
    }
  });
  t.join();
}

}  // namespace
}  // namespace rollcall::shard

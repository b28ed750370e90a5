#include "rollcall/storage/health.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace rollcall::storage {
namespace {

TEST(StorageHealth, AllHealthyAtFirst) {
  const Health h(4);
  EXPECT_EQ(h.shards(), 4u);
  EXPECT_FALSE(h.first_failed().has_value());
  EXPECT_EQ(h.failed_count(), 0u);
}

TEST(StorageHealth, NamesTheLowestFailedShardAndCountsThem) {
  Health h(4);
  h.mark_failed(2);
  ASSERT_TRUE(h.first_failed().has_value());
  EXPECT_EQ(*h.first_failed(), 2u);
  EXPECT_EQ(h.failed_count(), 1u);
  h.mark_failed(3);
  h.mark_failed(2);  // a flag is set once; setting it again changes nothing
  EXPECT_EQ(*h.first_failed(), 2u);
  EXPECT_EQ(h.failed_count(), 2u);
  h.mark_failed(0);
  EXPECT_EQ(*h.first_failed(), 0u);
  EXPECT_EQ(h.failed_count(), 3u);
}

TEST(StorageHealth, AFlagSetOnOneThreadIsSeenOnAnother) {
  Health h(2);
  std::thread shard([&h] { h.mark_failed(1); });
  shard.join();  // the join orders it; the flag is the atomic the ops route reads
  EXPECT_EQ(h.first_failed(), std::optional<unsigned>(1));
}

}  // namespace
}  // namespace rollcall::storage

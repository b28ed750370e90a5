#include "rollcall/live/feed_store.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rollcall::live {
namespace {

FeedEvent event(const std::string& type, int n) {
  FeedEvent e;
  e.type = type;
  e.timestamp_ms = 1'795'000'000'000 + n;
  e.staff = R"({"staff":)" + std::to_string(n) + "}";
  e.student = n % 2 == 0 ? R"({"student":)" + std::to_string(n) + "}" : "";
  e.personal = {{6, R"({"mine":6})"}, {9, R"({"mine":9})"}};
  return e;
}

std::vector<FeedEvent> events(int from, int to) {
  std::vector<FeedEvent> out;
  for (int n = from; n <= to; ++n) out.push_back(event("attendance_update", n));
  return out;
}

StoredFeed feed_with(int count, std::uint32_t epoch, std::size_t keep = 4096) {
  StoredFeed f;
  std::vector<FeedEvent> e = events(1, count);
  append_events(f, 7, e, keep, epoch);
  return f;
}

TEST(FeedStoreTest, EncodeDecodeRoundTrip) {
  StoredFeeds feeds;
  feeds[domain::ClassId{7}] = feed_with(5, 0xabcdef01);
  feeds[domain::ClassId{9}] = StoredFeed{0, 0x11, {}};  // subscribed, never published
  const std::string bytes = encode_feeds(feeds);
  Result<StoredFeeds> back = decode_feeds(bytes);
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->size(), 2u);
  const StoredFeed& f = back->at(domain::ClassId{7});
  EXPECT_EQ(f.seq, 5u);
  EXPECT_EQ(f.epoch, 0xabcdef01u);
  ASSERT_EQ(f.events.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(f.events[i].first, i + 1);
    EXPECT_EQ(f.events[i].second, feeds[domain::ClassId{7}].events[i].second);
  }
  EXPECT_EQ(back->at(domain::ClassId{9}).seq, 0u);
}

TEST(FeedStoreTest, EveryFlippedByteAndEveryTruncationIsRefused) {
  StoredFeeds feeds;
  feeds[domain::ClassId{7}] = feed_with(3, 0x5);
  const std::string bytes = encode_feeds(feeds);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    EXPECT_FALSE(decode_feeds(bad).ok()) << "flipped byte " << i;
  }
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_feeds(bytes.substr(0, n)).ok()) << "truncated to " << n;
  }
  EXPECT_FALSE(decode_feeds(bytes + "x").ok());
}

TEST(FeedStoreTest, AppendKeepsTheNewestAndContinuesSeqAndEpoch) {
  StoredFeed f = feed_with(6, 0x77, /*keep=*/4);
  EXPECT_EQ(f.seq, 6u);
  ASSERT_EQ(f.events.size(), 4u);
  EXPECT_EQ(f.events.front().first, 3u);
  std::vector<FeedEvent> more = events(7, 8);
  append_events(f, 7, more, 4, /*new_epoch=*/0x99);  // has an epoch: keeps it
  EXPECT_EQ(f.epoch, 0x77u);
  EXPECT_EQ(f.seq, 8u);
  EXPECT_EQ(f.events.front().first, 5u);
  EXPECT_EQ(f.events.back().first, 8u);
  // The stored blob is the frame the live owner publishes: seq and epoch inside it.
  const broadcast::EventView v(f.events.back().second);
  EXPECT_NE(v.staff().find(R"("seq":8,"epoch":"00000077")"), std::string_view::npos) << v.staff();
  EXPECT_NE(v.staff().find(R"({"staff":8})"), std::string_view::npos);
  EXPECT_NE(v.student().find(R"({"student":8})"), std::string_view::npos);
  EXPECT_NE(v.personal(9).find(R"({"mine":9})"), std::string_view::npos);
  EXPECT_TRUE(v.personal(8).empty());
}

TEST(FeedStoreTest, RestoredRingServesTheStoredFramesAndOnlyAContiguousTail) {
  const LiveConfig config;
  StoredFeed f = feed_with(5, 0x42);
  ClassFeed live;
  restore_feed(live, f, config, 2);
  EXPECT_EQ(live.seq, 5u);
  EXPECT_EQ(live.epoch, 0x42u);
  EXPECT_EQ(live.followers.size(), 2u);
  for (std::uint64_t s = 1; s <= 5; ++s) {
    std::string blob;
    ASSERT_EQ(live.ring->read(s, blob), broadcast::ClassRing::Read::Ok) << s;
    EXPECT_EQ(broadcast::EventView(blob).staff(),
              broadcast::EventView(f.events[s - 1].second).staff());
    EXPECT_EQ(broadcast::EventView(blob).personal(6),
              broadcast::EventView(f.events[s - 1].second).personal(6));
  }
  // A hole (seq 3 missing): only 4..5 can be served; asking for 2 must not "resume".
  StoredFeed holed = f;
  holed.events.erase(holed.events.begin() + 2);
  ClassFeed partial;
  restore_feed(partial, holed, config, 2);
  std::string blob;
  EXPECT_NE(partial.ring->read(2, blob), broadcast::ClassRing::Read::Ok);
  EXPECT_EQ(partial.ring->read(4, blob), broadcast::ClassRing::Read::Ok);
  EXPECT_EQ(partial.ring->first_seq(), 4u);
  // A saved history whose last event is not the feed's seq: none can be served.
  StoredFeed stale = f;
  stale.seq = 6;
  ClassFeed none;
  restore_feed(none, stale, config, 2);
  EXPECT_NE(none.ring->read(5, blob), broadcast::ClassRing::Read::Ok);
  EXPECT_EQ(none.seq, 6u);
}

TEST(FeedStoreTest, StoredFromALiveRingRoundTrips) {
  const LiveConfig config;
  ClassFeed live;
  restore_feed(live, feed_with(3, 0x10), config, 1);
  const StoredFeed back = stored_from(live);
  EXPECT_EQ(back.seq, 3u);
  EXPECT_EQ(back.epoch, 0x10u);
  ASSERT_EQ(back.events.size(), 3u);
  EXPECT_EQ(back.events[2].first, 3u);
}

TEST(FeedStoreTest, HistoryEpochIsKeyedPerGenerationAndClassAndNeverZero) {
  std::array<unsigned char, 32> key{};
  key[0] = 1;
  std::array<unsigned char, 32> other = key;
  other[31] = 2;
  const std::uint32_t e = history_epoch(key, 3, 7);
  EXPECT_EQ(e, history_epoch(key, 3, 7));  // what recovery computes equals what the live run gave
  EXPECT_NE(e, history_epoch(key, 4, 7));
  EXPECT_NE(e, history_epoch(key, 3, 8));
  EXPECT_NE(e, history_epoch(other, 3, 7));  // a wiped data directory has a new secret
  for (std::uint64_t c = 0; c < 1000; ++c) EXPECT_NE(history_epoch(key, 1, c), 0u);
}

}  // namespace
}  // namespace rollcall::live

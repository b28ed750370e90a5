#include "rollcall/live/feed.hpp"

#include <algorithm>
#include <utility>

#include "rollcall/common/log.hpp"
#include "rollcall/live/endpoint.hpp"
#include "rollcall/live/feed_store.hpp"
#include "rollcall/live/history_codec.hpp"

namespace rollcall::live {

namespace {

// Tells a follower shard's endpoint that classes advanced (runs there).
class Advanced final : public shard::Task {
 public:
  Advanced(Endpoint& endpoint, std::vector<domain::ClassId> classes)
      : endpoint_(endpoint), classes_(std::move(classes)) {}
  void run(shard::Shard&, std::unique_ptr<shard::Task>) override {
    for (const domain::ClassId cls : classes_) endpoint_.deliver(cls);
  }

 private:
  Endpoint& endpoint_;
  std::vector<domain::ClassId> classes_;
};

}  // namespace

Feeds::Feeds(shard::Shard& shard, const LiveConfig& config, unsigned data_shards)
    : shard_(shard), config_(config), data_shards_(data_shards), advanced_(data_shards) {
  RC_ASSERT(shard.id() < data_shards);
  shard.registry().add(metrics_);
}

void Feeds::connect(std::vector<Endpoint*> endpoints) {
  RC_ASSERT(endpoints.size() == data_shards_);
  endpoints_ = std::move(endpoints);
}

ClassFeed& Feeds::feed(domain::ClassId cls) {
  auto it = feeds_.find(cls);
  if (it != feeds_.end()) return it->second;
  ClassFeed& f = feeds_[cls];
  f.ring = std::make_unique<broadcast::ClassRing>(config_.ring_events, config_.ring_bytes,
                                                  &history_codec());
  f.epoch = history_epoch(config_.epoch_key, config_.generation, cls.value);  // a new history
  f.followers.assign(data_shards_, false);
  return f;
}

void Feeds::publish(domain::ClassId cls, std::vector<FeedEvent>& events) {
  if (events.empty()) return;
  ClassFeed& feed = this->feed(cls);
  feed.staff_snapshot = {};  // it shows the class before these events: never again useful
  const std::string epoch = epoch_hex(feed.epoch);
  for (FeedEvent& e : events) {
    const std::uint64_t seq = ++feed.seq;
    if (!feed.ring->publish(seq, build_event_frames(e, cls.value, seq, epoch, buffers_))) {
      // Larger than the whole ring: subscribers find it gone and are resynchronised.
      log::warn("event_too_large_for_ring", {{"class", static_cast<unsigned long long>(cls.value)},
                                             {"seq", static_cast<unsigned long long>(seq)}});
      feed.ring->skip(seq);  // (the ring stays: every shard's subscribers point at it)
    }
    metrics_.events_published.inc();
  }
  for (unsigned s = 0; s < data_shards_; ++s) {
    std::vector<domain::ClassId>& pending = advanced_[s];
    if (feed.followers[s] && (pending.empty() || pending.back() != cls)) pending.push_back(cls);
  }
}

void Feeds::set_follower(domain::ClassId cls, unsigned shard, bool follows) {
  RC_ASSERT(shard < data_shards_);
  if (!follows && feeds_.count(cls) == 0) return;
  ClassFeed& f = feed(cls);
  f.followers[shard] = follows;
  // Nobody left to share a snapshot with: the next storm makes a fresh one.
  if (std::find(f.followers.begin(), f.followers.end(), true) == f.followers.end()) {
    f.staff_snapshot = {};
  }
}

bool Feeds::notify() {
  for (unsigned s = 0; s < data_shards_; ++s) {
    if (advanced_[s].empty()) continue;
    std::vector<domain::ClassId> classes;
    classes.swap(advanced_[s]);
    RC_ASSERT(endpoints_[s] != nullptr);
    if (s == shard_.id()) {
      for (const domain::ClassId cls : classes) endpoints_[s]->deliver(cls);
      continue;
    }
    std::unique_ptr<shard::Task> task =
        std::make_unique<Advanced>(*endpoints_[s], std::move(classes));
    const bool posted = shard_.post(s, task, shard::Shard::PostMode::Always);
    RC_ASSERT(posted);
  }
  return false;
}

std::string Feeds::encoded_history() const {
  StoredFeeds stored;
  for (const auto& [cls, feed] : feeds_) stored.emplace(cls, stored_from(feed));
  return encode_feeds(stored);
}

void Feeds::restore(const StoredFeeds& stored) {
  for (const auto& [cls, s] : stored) restore_feed(feeds_[cls], s, config_, data_shards_);
}

}  // namespace rollcall::live

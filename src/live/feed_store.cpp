#include "rollcall/live/feed_store.hpp"

#include <sodium.h>

#include <cstring>

#include "rollcall/common/clock.hpp"
#include "rollcall/live/history_codec.hpp"
#include "rollcall/wal/crc32c.hpp"

namespace rollcall::live {

namespace {

constexpr std::string_view kMagic = "RCALFEED";
constexpr std::uint32_t kVersion = 1;

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : b_(bytes) {}
  template <typename T>
  bool get(T& v) {
    if (b_.size() - at_ < sizeof(T)) return false;
    std::memcpy(&v, b_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  bool bytes(std::size_t n, std::string& out) {
    if (b_.size() - at_ < n) return false;
    out.assign(b_.data() + at_, n);
    at_ += n;
    return true;
  }
  std::size_t left() const { return b_.size() - at_; }

 private:
  std::string_view b_;
  std::size_t at_ = 0;
};

}  // namespace

std::string encode_feeds(const StoredFeeds& feeds) {
  std::string out(kMagic);
  put<std::uint32_t>(out, kVersion);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(feeds.size()));
  for (const auto& [cls, f] : feeds) {
    put<std::uint64_t>(out, cls.value);
    put<std::uint64_t>(out, f.seq);
    put<std::uint32_t>(out, f.epoch);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(f.events.size()));
    for (const auto& [seq, blob] : f.events) {
      put<std::uint64_t>(out, seq);
      put<std::uint32_t>(out, static_cast<std::uint32_t>(blob.size()));
      out.append(blob);
    }
  }
  put<std::uint32_t>(out, wal::crc32c(out.data(), out.size()));
  return out;
}

Result<StoredFeeds> decode_feeds(std::string_view bytes) {
  if (bytes.size() < kMagic.size() + 12 || bytes.substr(0, kMagic.size()) != kMagic)
    return Error{"not a feeds file"};
  std::uint32_t crc;
  std::memcpy(&crc, bytes.data() + bytes.size() - 4, 4);
  if (wal::crc32c(bytes.data(), bytes.size() - 4) != crc) return Error{"checksum mismatch"};
  Reader in(bytes.substr(kMagic.size(), bytes.size() - kMagic.size() - 4));
  std::uint32_t version = 0, classes = 0;
  if (!in.get(version) || version != kVersion || !in.get(classes))
    return Error{"unsupported feeds version"};
  StoredFeeds out;
  for (std::uint32_t c = 0; c < classes; ++c) {
    std::uint64_t id = 0;
    StoredFeed f;
    std::uint32_t count = 0;
    if (!in.get(id) || !in.get(f.seq) || !in.get(f.epoch) || !in.get(count) ||
        count > in.left() / 12) {
      return Error{"truncated class entry"};
    }
    std::uint64_t previous = 0;
    for (std::uint32_t e = 0; e < count; ++e) {
      std::uint64_t seq = 0;
      std::uint32_t size = 0;
      std::string blob;
      if (!in.get(seq) || !in.get(size) || !in.bytes(size, blob)) return Error{"truncated event"};
      if (seq <= previous || seq > f.seq || size < 24 || size % 8 != 0)
        return Error{"inconsistent event"};
      previous = seq;
      f.events.emplace_back(seq, std::move(blob));
    }
    out.emplace(domain::ClassId{id}, std::move(f));
  }
  if (in.left() != 0) return Error{"trailing bytes"};
  return out;
}

void encode_event_blobs(std::uint64_t class_id, std::uint64_t& seq, std::uint32_t epoch,
                        std::vector<FeedEvent>& events,
                        std::vector<std::pair<std::uint64_t, std::string>>& blobs) {
  const std::string epoch_text = epoch_hex(epoch);
  EventFrameBuffers buffers;
  for (FeedEvent& e : events) {
    ++seq;
    blobs.emplace_back(seq, broadcast::ClassRing::encode_blob(
                                build_event_frames(e, class_id, seq, epoch_text, buffers)));
  }
}

void append_events(StoredFeed& feed, std::uint64_t class_id, std::vector<FeedEvent>& events,
                   std::size_t keep_events, std::uint32_t new_epoch) {
  if (feed.epoch == 0) feed.epoch = new_epoch;
  encode_event_blobs(class_id, feed.seq, feed.epoch, events, feed.events);
  if (feed.events.size() > keep_events) {
    feed.events.erase(feed.events.begin(),
                      feed.events.end() - static_cast<std::ptrdiff_t>(keep_events));
  }
}

std::uint32_t history_epoch(const std::array<unsigned char, 32>& key, std::uint64_t generation,
                            std::uint64_t class_id) {
  unsigned char message[24] = {'e', 'p', 'o', 'c', 'h', 0, 0, 0};
  for (int i = 0; i < 8; ++i) {
    message[8 + i] = static_cast<unsigned char>(generation >> (8 * i));
    message[16 + i] = static_cast<unsigned char>(class_id >> (8 * i));
  }
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, message, sizeof message, key.data(), key.size());
  std::uint32_t epoch = 0;
  for (int i = 0; i < 4; ++i) epoch |= static_cast<std::uint32_t>(digest[i]) << (8 * i);
  return epoch | 1u;
}

StoredFeed stored_from(const ClassFeed& feed) {
  StoredFeed out;
  out.seq = feed.seq;
  out.epoch = feed.epoch;
  const std::uint64_t first = feed.ring->first_seq();
  for (std::uint64_t s = first == 0 ? feed.seq + 1 : first; s <= feed.seq; ++s) {
    std::string blob;
    if (feed.ring->read(s, blob) == broadcast::ClassRing::Read::Ok)
      out.events.emplace_back(s, std::move(blob));
  }
  return out;
}

void restore_feed(ClassFeed& out, const StoredFeed& stored, const LiveConfig& config,
                  unsigned shards) {
  out.ring = std::make_unique<broadcast::ClassRing>(config.ring_events, config.ring_bytes,
                                                    &history_codec());
  out.seq = stored.seq;
  out.epoch = stored.epoch;
  out.followers.assign(shards, false);
  // Only a contiguous run ending at seq can be served to a resuming client.
  std::size_t start = stored.events.size();
  while (start > 0 &&
         stored.events[start - 1].first ==
             (start == stored.events.size() ? stored.seq : stored.events[start].first - 1)) {
    --start;
  }
  const std::uint64_t now = monotonic_ns();
  for (std::size_t i = start; i < stored.events.size(); ++i) {
    const broadcast::EventView v(stored.events[i].second);
    const broadcast::EventFrames frames{now, v.staff(), v.student(), v.personal_frames()};
    out.ring->publish(stored.events[i].first, frames);
  }
}

}  // namespace rollcall::live

#include "rollcall/broadcast/fanout.hpp"

#include <algorithm>

#include "rollcall/common/clock.hpp"

namespace rollcall::broadcast {

FanoutResult fan_out(const ClassRing& ring, std::vector<Subscriber*>& subscribers,
                     std::string& blob, metrics::LatencyHistogram* latency) {
  FanoutResult result;
  const std::uint64_t last = ring.last_seq();
  std::uint64_t from = last;
  for (const Subscriber* s : subscribers) from = std::min(from, s->cursor);
  for (std::uint64_t seq = from + 1; seq <= last; ++seq) {
    if (ring.read(seq, blob) != ClassRing::Read::Ok) {
      // Gone: whoever still needed it is lapped (and gets nothing more here); the
      // others go on with the events after it. Everything below first_seq is gone too.
      const std::uint64_t first = ring.first_seq();
      if (first > seq + 1) seq = std::min(first - 1, last);
      result.lapped_at = seq;
      continue;
    }
    ++result.events;
    const EventView event(blob);
    if (latency != nullptr) latency->observe_ns(monotonic_ns() - event.published_ns());
    for (Subscriber* s : subscribers) {
      if (s->cursor >= seq || s->cursor < result.lapped_at) continue;
      s->cursor = seq;
      std::string_view frame = event.staff();
      if (!s->staff) {
        frame = event.personal(s->user);
        if (frame.empty()) frame = event.student();
      }
      if (frame.empty()) continue;  // not for this student
      s->out->append(frame);
      s->touched = true;
      ++result.frames;
      result.bytes += frame.size();
    }
  }
  return result;
}

}  // namespace rollcall::broadcast

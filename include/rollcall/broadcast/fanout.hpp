#pragma once
/// Fan-out of a class's events to one shard's subscribers: each event is copied out
/// of the ring once, then the frame for each subscriber's audience is appended to
/// its output queue (a teacher's full frame, or a student's personal or student
/// frame, or nothing). Appending reuses the queues' capacity: once warm, delivering
/// an event allocates nothing per subscriber.

#include <cstdint>
#include <string>
#include <vector>

#include "rollcall/broadcast/ring.hpp"
#include "rollcall/metrics/metrics.hpp"
#include "rollcall/net/out_buffer.hpp"

namespace rollcall::broadcast {

struct Subscriber {
  std::uint64_t user = 0;
  bool staff = false;        ///< teacher or admin: every event in full
  std::uint64_t cursor = 0;  ///< last seq delivered (or skipped as not for them)
  net::OutBuffer* out = nullptr;
  bool touched = false;  ///< set when a frame was appended (caller flushes, clears)
};

struct FanoutResult {
  std::uint64_t events = 0;  ///< events read from the ring
  std::uint64_t frames = 0;  ///< frames appended
  std::uint64_t bytes = 0;
  /// 0, or the newest seq found no longer in the ring: subscribers whose cursor is
  /// below it missed events (they got none of the later ones either) and must be
  /// resynchronised; the others got everything up to the ring's newest.
  std::uint64_t lapped_at = 0;
};

/// Delivers every event after each subscriber's cursor up to the ring's newest.
/// `blob` is scratch for the copied event. `latency` (optional) observes, per event,
/// the time from publication to its frames being queued here.
FanoutResult fan_out(const ClassRing& ring, std::vector<Subscriber*>& subscribers,
                     std::string& blob, metrics::LatencyHistogram* latency);

}  // namespace rollcall::broadcast

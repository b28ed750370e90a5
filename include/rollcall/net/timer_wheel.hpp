#pragma once
/// A hashed timer wheel over connection slots: at most one deadline per slot,
/// O(1) schedule/cancel/reschedule, intrusive doubly-linked lists in arrays
/// preallocated for every slot (no allocation after start-up).
///
/// Time advances in ticks of `tick_ms`; a deadline fires on the first `advance`
/// whose tick is at or after it (so up to one tick late, never early). Deadlines
/// beyond one revolution stay in their bucket and are skipped until due.

#include <cstdint>
#include <vector>

#include "rollcall/common/assert.hpp"

namespace rollcall::net {

class TimerWheel {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  TimerWheel(std::uint32_t slots, std::uint32_t tick_ms, std::uint32_t buckets,
             std::uint64_t now_ms);

  std::uint32_t tick_ms() const { return tick_ms_; }

  /// Sets (or moves) slot `index`'s deadline to `deadline_ms` (monotonic ms).
  void schedule(std::uint32_t index, std::uint64_t deadline_ms);
  /// Removes slot `index`'s deadline, if any.
  void cancel(std::uint32_t index);
  bool scheduled(std::uint32_t index) const { return bucket_of_[index] != kNone; }
  std::uint64_t deadline_ms(std::uint32_t index) const { return deadline_tick_[index] * tick_ms_; }
  std::uint32_t size() const { return size_; }

  /// Fires every deadline up to `now_ms`: calls `fire(index)` after unlinking it
  /// (so `fire` may schedule the slot again). Returns how many fired.
  template <typename Fn>
  std::uint32_t advance(std::uint64_t now_ms, Fn&& fire) {
    const std::uint64_t target = now_ms / tick_ms_;
    std::uint32_t fired = 0;
    while (current_tick_ <= target) {
      const std::uint32_t bucket = static_cast<std::uint32_t>(current_tick_ % buckets_);
      std::uint32_t i = head_[bucket];
      while (i != kNone) {
        std::uint32_t next = next_[i];
        if (deadline_tick_[i] <= current_tick_) {
          unlink(i);
          ++fired;
          fire(i);
          // `fire` may have moved or cancelled other slots; if `next` left this
          // bucket, start the bucket over (fired entries are gone, so this ends).
          if (next != kNone && bucket_of_[next] != bucket) next = head_[bucket];
        }
        i = next;
      }
      if (current_tick_ == target) break;
      ++current_tick_;
    }
    return fired;
  }

 private:
  void unlink(std::uint32_t index);

  std::uint32_t tick_ms_;
  std::uint32_t buckets_;
  std::uint64_t current_tick_;
  std::uint32_t size_ = 0;
  std::vector<std::uint32_t> head_;           // per bucket
  std::vector<std::uint32_t> next_;           // per slot
  std::vector<std::uint32_t> prev_;           // per slot
  std::vector<std::uint32_t> bucket_of_;      // per slot, kNone if not scheduled
  std::vector<std::uint64_t> deadline_tick_;  // per slot
};

}  // namespace rollcall::net

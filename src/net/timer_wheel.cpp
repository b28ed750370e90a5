#include "rollcall/net/timer_wheel.hpp"

namespace rollcall::net {

TimerWheel::TimerWheel(std::uint32_t slots, std::uint32_t tick_ms, std::uint32_t buckets,
                       std::uint64_t now_ms)
    : tick_ms_(tick_ms),
      buckets_(buckets),
      current_tick_(now_ms / tick_ms),
      head_(buckets, kNone),
      next_(slots, kNone),
      prev_(slots, kNone),
      bucket_of_(slots, kNone),
      deadline_tick_(slots, 0) {
  RC_ASSERT(tick_ms > 0);
  RC_ASSERT(buckets > 0);
}

void TimerWheel::schedule(std::uint32_t index, std::uint64_t deadline_ms) {
  RC_ASSERT(index < next_.size());
  if (bucket_of_[index] != kNone) unlink(index);
  // Round up so a deadline never fires early. The current tick's bucket may already
  // have been swept (and a slot re-armed from inside `advance` must not fire again in
  // the same sweep), so the earliest bucket is the next one: at most one tick late.
  std::uint64_t tick = (deadline_ms + tick_ms_ - 1) / tick_ms_;
  if (tick <= current_tick_) tick = current_tick_ + 1;
  const std::uint32_t bucket = static_cast<std::uint32_t>(tick % buckets_);
  deadline_tick_[index] = tick;
  bucket_of_[index] = bucket;
  prev_[index] = kNone;
  next_[index] = head_[bucket];
  if (head_[bucket] != kNone) prev_[head_[bucket]] = index;
  head_[bucket] = index;
  ++size_;
}

void TimerWheel::cancel(std::uint32_t index) {
  RC_ASSERT(index < next_.size());
  if (bucket_of_[index] != kNone) unlink(index);
}

void TimerWheel::unlink(std::uint32_t index) {
  const std::uint32_t bucket = bucket_of_[index];
  RC_ASSERT(bucket != kNone);
  if (prev_[index] != kNone) {
    next_[prev_[index]] = next_[index];
  } else {
    RC_ASSERT(head_[bucket] == index);
    head_[bucket] = next_[index];
  }
  if (next_[index] != kNone) prev_[next_[index]] = prev_[index];
  next_[index] = prev_[index] = kNone;
  bucket_of_[index] = kNone;
  RC_ASSERT(size_ > 0);
  --size_;
}

}  // namespace rollcall::net

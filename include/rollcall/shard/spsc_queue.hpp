#pragma once
/// A bounded single-producer single-consumer queue (Lamport ring) for cross-shard
/// messages. The producer's and consumer's indices live on separate cache lines;
/// the producer caches the consumer's index and re-reads it only when the queue looks
/// full, and the consumer takes a whole batch with one acquire load and one release
/// store.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "rollcall/common/assert.hpp"

namespace rollcall::shard {

inline constexpr std::size_t kCacheLineBytes = 64;

template <typename T>
class SpscQueue {
 public:
  explicit SpscQueue(std::size_t capacity)
      : items_(std::make_unique<T[]>(capacity)), mask_(capacity - 1) {
    RC_ASSERT(capacity >= 2 && (capacity & (capacity - 1)) == 0);
  }
  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;

  std::size_t capacity() const { return mask_ + 1; }

  /// Producer side. False when full (nothing written).
  bool try_push(const T& item) {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - producer_cached_head_ > mask_) {
      producer_cached_head_ = head_.load(std::memory_order_acquire);
      if (tail - producer_cached_head_ > mask_) return false;
    }
    items_[tail & mask_] = item;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  /// Consumer side. Calls `fn(const T&)` for up to `max` items in FIFO order and
  /// frees their slots. Returns how many were consumed.
  template <typename Fn>
  std::size_t drain(Fn&& fn, std::size_t max = SIZE_MAX) {
    // One acquire load of the producer's index per batch: everything published
    // before this call is seen by it.
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    if (tail == head) return 0;
    std::uint64_t available = tail - head;
    if (available > max) available = max;
    for (std::uint64_t i = 0; i < available; ++i) fn(items_[(head + i) & mask_]);
    head_.store(head + available, std::memory_order_release);
    return static_cast<std::size_t>(available);
  }

  /// Consumer side: true if no item is visible.
  bool empty_for_consumer() const {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_relaxed);
  }

 private:
  std::unique_ptr<T[]> items_;
  const std::uint64_t mask_;
  alignas(kCacheLineBytes) std::atomic<std::uint64_t> head_{0};  // written by consumer
  alignas(kCacheLineBytes) std::atomic<std::uint64_t> tail_{0};  // written by producer
  std::uint64_t producer_cached_head_ = 0;
  char pad_[kCacheLineBytes - sizeof(std::uint64_t)]{};
};

}  // namespace rollcall::shard

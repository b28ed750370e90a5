#pragma once
/// Which owner shards' stores have failed, for any thread to read without a lock
/// (`GET /readyz` answers on whichever shard accepted it). A store that fails stays
/// failed until the process restarts (log.hpp), so each flag goes from healthy to
/// failed once and never back; only the failed shard's own thread sets it, before
/// any waiter learns of the failure, so a client that got a `503
/// storage_unavailable` from a failed log finds `/readyz` already saying so.

#include <atomic>
#include <memory>
#include <optional>

#include "rollcall/common/assert.hpp"

namespace rollcall::storage {

class Health {
 public:
  explicit Health(unsigned shards)
      : shards_(shards), failed_(std::make_unique<std::atomic<bool>[]>(shards)) {
    RC_ASSERT(shards > 0);
  }
  Health(const Health&) = delete;
  Health& operator=(const Health&) = delete;

  unsigned shards() const { return shards_; }

  /// On shard `shard`'s thread, when its store fails (before its waiters are told).
  void mark_failed(unsigned shard) {
    RC_ASSERT(shard < shards_);
    failed_[shard].store(true, std::memory_order_release);
  }

  /// The lowest shard whose store failed; nullopt while every store is healthy.
  std::optional<unsigned> first_failed() const {
    for (unsigned i = 0; i < shards_; ++i) {
      if (failed_[i].load(std::memory_order_acquire)) return i;
    }
    return std::nullopt;
  }

  /// How many shards' stores have failed.
  unsigned failed_count() const {
    unsigned n = 0;
    for (unsigned i = 0; i < shards_; ++i) n += failed_[i].load(std::memory_order_acquire) ? 1 : 0;
    return n;
  }

 private:
  const unsigned shards_;
  std::unique_ptr<std::atomic<bool>[]> failed_;
};

}  // namespace rollcall::storage

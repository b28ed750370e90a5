#include "rollcall/common/shared_counts.hpp"

#include <sodium.h>

#include <cstring>

#include "rollcall/common/assert.hpp"

namespace rollcall {

SharedCounts::SharedCounts(std::uint32_t buckets)
    : mask_(buckets - 1), counts_(std::make_unique<std::atomic<std::uint32_t>[]>(buckets)) {
  RC_ASSERT(buckets > 0 && (buckets & (buckets - 1)) == 0);
  static_assert(sizeof key_ == crypto_shorthash_KEYBYTES);
  crypto_shorthash_keygen(key_);
  for (std::uint32_t i = 0; i < buckets; ++i) counts_[i].store(0, std::memory_order_relaxed);
}

std::uint32_t SharedCounts::bucket_of(std::string_view key) const {
  unsigned char out[crypto_shorthash_BYTES];
  const auto* bytes = reinterpret_cast<const unsigned char*>(key.empty() ? "" : key.data());
  crypto_shorthash(out, bytes, key.size(), key_);
  std::uint32_t h = 0;
  std::memcpy(&h, out, sizeof h);
  return h & mask_;
}

std::optional<std::uint32_t> SharedCounts::try_acquire(std::string_view key, std::uint32_t limit) {
  const std::uint32_t b = bucket_of(key);
  std::uint32_t n = counts_[b].load(std::memory_order_relaxed);
  do {
    if (n >= limit) return std::nullopt;
  } while (!counts_[b].compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return b;
}

void SharedCounts::release(std::uint32_t bucket) {
  RC_ASSERT(bucket <= mask_);
  const std::uint32_t before = counts_[bucket].fetch_sub(1, std::memory_order_relaxed);
  RC_ASSERT(before > 0);  // released once per acquire
}

std::uint32_t SharedCounts::count(std::string_view key) const {
  return counts_[bucket_of(key)].load(std::memory_order_relaxed);
}

}  // namespace rollcall

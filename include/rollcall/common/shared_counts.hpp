#pragma once
/// Process-wide counts by key, shared by every shard thread without a lock: how
/// many connections one client address holds, how many live subscriptions one
/// user has. A fixed table of atomic counters (no allocation after construction,
/// whatever the keys), indexed by a keyed SipHash of the key with a key drawn at
/// start, so nobody can choose an address that shares a counter with another's.
/// Two keys that do share one (rare: the table is much larger than the keys in
/// use) share its limit; a count is never lost or negative.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace rollcall {

class SharedCounts {
 public:
  /// `buckets`: a power of two.
  explicit SharedCounts(std::uint32_t buckets);

  /// Takes one unit for `key` unless its counter already holds `limit`: the
  /// counter to give back with `release`, or nullopt when refused.
  std::optional<std::uint32_t> try_acquire(std::string_view key, std::uint32_t limit);
  /// Gives back a unit `try_acquire` took.
  void release(std::uint32_t bucket);
  /// The units held under `key`'s counter now.
  std::uint32_t count(std::string_view key) const;

 private:
  std::uint32_t bucket_of(std::string_view key) const;

  std::uint32_t mask_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> counts_;
  unsigned char key_[16];
};

}  // namespace rollcall

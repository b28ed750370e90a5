#pragma once
/// Counts failed attempts per key in a sliding window, in bounded memory: "5 wrong
/// codes per student per session within 10 minutes", "N wrong passwords per
/// username".
///
/// Each key keeps its last `max_failures` failure times (a small ring). Keys are
/// kept in order of their newest failure, so a key whose failures all left the
/// window is dropped lazily from the old end, and when `max_keys` keys are held a
/// new key evicts the least recent one. Expired keys are always the least recent,
/// so they go first; a key still blocking goes only once `max_keys` other keys
/// failed after it. Every operation is O(1) (plus a keyed hash of the key).
///
/// Single-threaded: each instance belongs to one thread. `now_ms` is a monotonic
/// clock in milliseconds that never goes backwards for one instance (if it does,
/// counts stay correct but eviction order is approximate). Memory: about 250 bytes
/// per key plus the string's heap bytes for keys longer than 15 characters.
/// Requires `sodium_init()` to have succeeded (the app calls it at start).

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rollcall::auth {

/// A key of two ids, e.g. (session id, student id).
struct IdPair {
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  bool operator==(const IdPair&) const = default;
};

/// SipHash-2-4 with a random key per instance: an attacker who chooses the keys
/// (usernames) cannot predict their buckets, so cannot make lookups linear.
class KeyedHash {
 public:
  using is_transparent = void;
  KeyedHash();
  std::size_t operator()(std::string_view s) const noexcept;
  std::size_t operator()(const IdPair& p) const noexcept;

 private:
  std::array<unsigned char, 16> key_;
};

struct StringKeyTraits {
  using key_type = std::string;
  using lookup_type = std::string_view;
};
struct IdPairKeyTraits {
  using key_type = IdPair;
  using lookup_type = IdPair;
};

/// Instantiated for StringKeyTraits and IdPairKeyTraits only (see the aliases below).
template <typename Traits>
class BasicAttemptLimiter {
 public:
  using key_type = typename Traits::key_type;
  using lookup_type = typename Traits::lookup_type;
  /// The largest `max_failures` supported (the ring's size).
  static constexpr std::uint32_t kMaxFailuresCap = 16;

  /// Blocks a key after `max_failures` (1..kMaxFailuresCap) failures within
  /// `window_ms` (> 0), holding at most `max_keys` (> 0) keys. Bad arguments are
  /// programming errors (RC_ASSERT).
  BasicAttemptLimiter(std::uint32_t max_failures, std::int64_t window_ms, std::size_t max_keys);
  BasicAttemptLimiter(const BasicAttemptLimiter&) = delete;
  BasicAttemptLimiter& operator=(const BasicAttemptLimiter&) = delete;
  /// The moved-from limiter is empty and usable.
  BasicAttemptLimiter(BasicAttemptLimiter&& other) noexcept;
  BasicAttemptLimiter& operator=(BasicAttemptLimiter&& other) noexcept;
  ~BasicAttemptLimiter() = default;

  /// True when `key` has at least `max_failures` failures in (now_ms - window_ms, now_ms].
  bool blocked(lookup_type key, std::int64_t now_ms) const;
  /// Records one failure of `key` at `now_ms`; may drop expired keys or evict the
  /// least recent key to stay within `max_keys`.
  void record_failure(lookup_type key, std::int64_t now_ms);
  /// Forgets `key`'s failures (e.g. after a successful login).
  void clear(lookup_type key);
  /// Keys currently held (<= max_keys).
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::array<std::int64_t, kMaxFailuresCap> failures_ms{};  ///< ring, filled from 0
    std::uint8_t count = 0;                                   ///< valid slots
    std::uint8_t next = 0;                                    ///< slot the next failure overwrites
    std::int64_t newest_ms = 0;
    const key_type* key = nullptr;  ///< the map node's key (node addresses are stable)
    Entry* older = nullptr;
    Entry* newer = nullptr;
  };

  void unlink(Entry* e);
  void link_newest(Entry* e);
  void erase(Entry* e);
  void drop_expired(std::int64_t now_ms);

  std::uint32_t max_failures_;
  std::int64_t window_ms_;
  std::size_t max_keys_;
  std::unordered_map<key_type, Entry, KeyedHash, std::equal_to<>> entries_;
  Entry* oldest_ = nullptr;  ///< least recent newest failure; evicted first
  Entry* newest_ = nullptr;
};

extern template class BasicAttemptLimiter<StringKeyTraits>;
extern template class BasicAttemptLimiter<IdPairKeyTraits>;

/// Keyed by strings (usernames, client addresses).
using AttemptLimiter = BasicAttemptLimiter<StringKeyTraits>;
/// Keyed by two ids: (session id, student id) for wrong check-in codes.
using IdPairAttemptLimiter = BasicAttemptLimiter<IdPairKeyTraits>;

}  // namespace rollcall::auth

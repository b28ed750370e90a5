#include "rollcall/auth/attempt_limiter.hpp"

#include <sodium.h>

#include <cstring>
#include <utility>

#include "rollcall/common/assert.hpp"

namespace rollcall::auth {

KeyedHash::KeyedHash() {
  static_assert(sizeof key_ == crypto_shorthash_KEYBYTES);
  randombytes_buf(key_.data(), key_.size());
}

std::size_t KeyedHash::operator()(std::string_view s) const noexcept {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(s.empty() ? "" : s.data()), s.size(),
                   key_.data());
  std::uint64_t h = 0;
  std::memcpy(&h, out, sizeof h);
  return static_cast<std::size_t>(h);
}

std::size_t KeyedHash::operator()(const IdPair& p) const noexcept {
  unsigned char in[16];
  std::memcpy(in, &p.first, 8);
  std::memcpy(in + 8, &p.second, 8);
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, in, sizeof in, key_.data());
  std::uint64_t h = 0;
  std::memcpy(&h, out, sizeof h);
  return static_cast<std::size_t>(h);
}

template <typename Traits>
BasicAttemptLimiter<Traits>::BasicAttemptLimiter(std::uint32_t max_failures, std::int64_t window_ms,
                                                 std::size_t max_keys)
    : max_failures_(max_failures), window_ms_(window_ms), max_keys_(max_keys) {
  RC_ASSERT(max_failures >= 1 && max_failures <= kMaxFailuresCap);
  RC_ASSERT(window_ms > 0);
  RC_ASSERT(max_keys > 0);
}

template <typename Traits>
BasicAttemptLimiter<Traits>::BasicAttemptLimiter(BasicAttemptLimiter&& other) noexcept
    : max_failures_(other.max_failures_),
      window_ms_(other.window_ms_),
      max_keys_(other.max_keys_),
      entries_(std::move(other.entries_)),  // moves the nodes: Entry pointers stay valid
      oldest_(std::exchange(other.oldest_, nullptr)),
      newest_(std::exchange(other.newest_, nullptr)) {
  other.entries_.clear();
}

template <typename Traits>
BasicAttemptLimiter<Traits>& BasicAttemptLimiter<Traits>::operator=(
    BasicAttemptLimiter&& other) noexcept {
  if (this == &other) return *this;
  max_failures_ = other.max_failures_;
  window_ms_ = other.window_ms_;
  max_keys_ = other.max_keys_;
  entries_ = std::move(other.entries_);
  other.entries_.clear();
  oldest_ = std::exchange(other.oldest_, nullptr);
  newest_ = std::exchange(other.newest_, nullptr);
  return *this;
}

template <typename Traits>
bool BasicAttemptLimiter<Traits>::blocked(lookup_type key, std::int64_t now_ms) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  const Entry& e = it->second;
  std::uint32_t recent = 0;
  for (std::uint32_t i = 0; i < e.count; ++i) {
    const std::int64_t t = e.failures_ms[i];
    if (t > now_ms - window_ms_ && t <= now_ms) ++recent;
  }
  return recent >= max_failures_;
}

template <typename Traits>
void BasicAttemptLimiter<Traits>::record_failure(lookup_type key, std::int64_t now_ms) {
  drop_expired(now_ms);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) erase(oldest_);
    it = entries_.try_emplace(key_type(key)).first;
    it->second.key = &it->first;
  } else {
    unlink(&it->second);
  }
  Entry& e = it->second;
  e.failures_ms[e.next] = now_ms;
  e.next = static_cast<std::uint8_t>((e.next + 1u) % max_failures_);
  if (e.count < max_failures_) ++e.count;
  e.newest_ms = now_ms;
  link_newest(&e);
}

template <typename Traits>
void BasicAttemptLimiter<Traits>::clear(lookup_type key) {
  const auto it = entries_.find(key);
  if (it != entries_.end()) erase(&it->second);
}

template <typename Traits>
void BasicAttemptLimiter<Traits>::unlink(Entry* e) {
  (e->older != nullptr ? e->older->newer : oldest_) = e->newer;
  (e->newer != nullptr ? e->newer->older : newest_) = e->older;
  e->older = e->newer = nullptr;
}

template <typename Traits>
void BasicAttemptLimiter<Traits>::link_newest(Entry* e) {
  e->older = newest_;
  e->newer = nullptr;
  (newest_ != nullptr ? newest_->newer : oldest_) = e;
  newest_ = e;
}

template <typename Traits>
void BasicAttemptLimiter<Traits>::erase(Entry* e) {
  unlink(e);
  const auto it = entries_.find(*e->key);
  RC_ASSERT(it != entries_.end() && &it->second == e);
  entries_.erase(it);
}

template <typename Traits>
void BasicAttemptLimiter<Traits>::drop_expired(std::int64_t now_ms) {
  while (oldest_ != nullptr && oldest_->newest_ms <= now_ms - window_ms_) erase(oldest_);
}

template class BasicAttemptLimiter<StringKeyTraits>;
template class BasicAttemptLimiter<IdPairKeyTraits>;

}  // namespace rollcall::auth

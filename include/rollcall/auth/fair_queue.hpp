#pragma once
/// A bounded queue served round-robin across keys (client addresses): one item of
/// each waiting key in turn, each key's items in arrival order. One key with many
/// items delays another key's first item by at most one item per other waiting
/// key, however many it queued. Used by the auth shard so that one address
/// flooding sign-ins cannot delay another address's (api/auth_worker.hpp).
///
/// Bounded twice: at most `items_max` items in all and `per_key_max` per key; a
/// push beyond either is refused and the item stays with the caller. Memory is at
/// most `items_max` items and keys. Keys are hashed with a random SipHash key
/// (auth::KeyedHash), so chosen keys cannot make lookups linear.
///
/// Single-threaded: each instance belongs to one thread.

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/common/assert.hpp"

namespace rollcall::auth {

template <typename T>
class FairQueue {
 public:
  enum class Push : unsigned char { Queued, Full, KeyFull };

  /// `items_max` >= `per_key_max` >= 1 (programming errors otherwise).
  FairQueue(std::size_t items_max, std::size_t per_key_max)
      : items_max_(items_max), per_key_max_(per_key_max) {
    RC_ASSERT(per_key_max >= 1);
    RC_ASSERT(items_max >= per_key_max);
  }

  /// Queues `item` under `key`; on refusal (`Full`, `KeyFull`) `item` is untouched.
  Push push(std::string_view key, T& item) {
    if (size_ >= items_max_) return Push::Full;
    auto it = by_key_.find(key);
    if (it != by_key_.end() && it->second.size() >= per_key_max_) return Push::KeyFull;
    if (it == by_key_.end()) {
      it = by_key_.try_emplace(std::string(key)).first;
      turns_.push_back(&it->first);  // a key with items is in the rotation exactly once
    }
    it->second.push_back(std::move(item));
    ++size_;
    return Push::Queued;
  }

  /// The next item: the oldest of the key whose turn it is; that key then goes to
  /// the back of the rotation if it has more.
  std::optional<T> pop() {
    if (turns_.empty()) return std::nullopt;
    const std::string* key = turns_.front();
    turns_.pop_front();
    auto it = by_key_.find(*key);
    RC_ASSERT(it != by_key_.end() && !it->second.empty());
    std::optional<T> out(std::move(it->second.front()));
    it->second.pop_front();
    --size_;
    if (it->second.empty()) {
      by_key_.erase(it);
    } else {
      turns_.push_back(key);
    }
    return out;
  }

  /// Removes every item for which `pred(item)` holds, handing each to `take`
  /// (moved); the others keep their order and their keys their turn. O(size).
  template <typename Pred, typename Take>
  std::size_t remove_if(Pred&& pred, Take&& take) {
    std::size_t removed = 0;
    for (auto& [key, items] : by_key_) {
      for (auto i = items.begin(); i != items.end();) {
        if (!pred(*i)) {
          ++i;
          continue;
        }
        take(std::move(*i));
        i = items.erase(i);
        ++removed;
      }
    }
    if (removed == 0) return 0;
    size_ -= removed;
    std::erase_if(turns_, [this](const std::string* key) {
      const auto it = by_key_.find(*key);
      if (!it->second.empty()) return false;
      by_key_.erase(it);
      return true;
    });
    return removed;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// Keys with at least one item.
  std::size_t keys() const { return by_key_.size(); }
  std::size_t items_max() const { return items_max_; }
  std::size_t per_key_max() const { return per_key_max_; }

 private:
  std::size_t items_max_;
  std::size_t per_key_max_;
  std::size_t size_ = 0;
  // Node-based: the key strings stay put while their entry exists, so the rotation
  // holds pointers to them.
  std::unordered_map<std::string, std::deque<T>, KeyedHash, std::equal_to<>> by_key_;
  std::deque<const std::string*> turns_;
};

}  // namespace rollcall::auth

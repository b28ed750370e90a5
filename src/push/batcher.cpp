#include "rollcall/push/batcher.hpp"

namespace rollcall::push {

Batcher::Added Batcher::add(Batched message, std::int64_t now_ms) {
  const Key key{message.user, message.kind, message.session};
  auto it = waiting_.find(key);
  if (it != waiting_.end()) {
    it->second.message.payload = std::move(message.payload);
    return Added::Replaced;
  }
  if (waiting_.size() >= entries_max_) return Added::Refused;
  const std::int64_t due = now_ms + window_ms(message.kind);
  waiting_.emplace(key, Waiting{std::move(message), due});
  by_due_.insert({due, key});
  return Added::New;
}

void Batcher::take_due(std::int64_t now_ms, std::vector<Batched>& out) {
  while (!by_due_.empty() && by_due_.begin()->first <= now_ms) {
    auto it = waiting_.find(by_due_.begin()->second);
    by_due_.erase(by_due_.begin());
    out.push_back(std::move(it->second.message));
    waiting_.erase(it);
  }
}

std::optional<std::int64_t> Batcher::next_due() const {
  if (by_due_.empty()) return std::nullopt;
  return by_due_.begin()->first;
}

}  // namespace rollcall::push

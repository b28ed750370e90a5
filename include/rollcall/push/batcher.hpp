#pragma once
/// Batching per user, kind and session (API.md §8: at most one notification per kind
/// and session within `--push-batch-ms`). The first message for a key opens a window
/// of `window_ms`; messages for that key within it replace the payload (the latest
/// wins: a student overridden twice hears only where they ended up); when the
/// window ends the one message goes out. Only kinds that can repeat within a
/// session wait (`status_changed`): `session_opened` and `missing_digest` happen
/// once per session, so a window would only delay them (their window is 0: they
/// go out on the worker's next turn). The event time kept is the first one's, so
/// the latency metric counts the wait. Bounded: beyond `entries_max` keys waiting a
/// new key is refused (and counted by the caller).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "rollcall/domain/push.hpp"
#include "rollcall/domain/types.hpp"

namespace rollcall::push {

struct Batched {
  domain::UserId user;
  domain::PushKind kind = domain::PushKind::SessionOpened;
  domain::SessionId session;
  std::string payload;
  std::int64_t event_ms = 0;
};

class Batcher {
 public:
  Batcher(std::uint32_t window_ms, std::size_t entries_max)
      : window_ms_(window_ms), entries_max_(entries_max) {}

  /// How long a message of `kind` waits for others of its key.
  std::uint32_t window_ms(domain::PushKind kind) const {
    return kind == domain::PushKind::StatusChanged ? window_ms_ : 0;
  }

  enum class Added : std::uint8_t { New, Replaced, Refused };
  Added add(Batched message, std::int64_t now_ms);
  /// Moves every message whose window ended by `now_ms` into `out` (oldest window first).
  void take_due(std::int64_t now_ms, std::vector<Batched>& out);
  /// When the next window ends, if any waits.
  std::optional<std::int64_t> next_due() const;
  std::size_t size() const { return waiting_.size(); }

 private:
  using Key = std::tuple<domain::UserId, domain::PushKind, domain::SessionId>;
  struct Waiting {
    Batched message;
    std::int64_t due_ms = 0;
  };

  std::uint32_t window_ms_;
  std::size_t entries_max_;
  std::map<Key, Waiting> waiting_;
  std::set<std::pair<std::int64_t, Key>> by_due_;
};

}  // namespace rollcall::push

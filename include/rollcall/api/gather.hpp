#pragma once
/// A read over classes of several owners (API.md §4: the student's own history, the
/// admin's today view): one job per owner shard that holds some of them. On each
/// owner, `part` writes JSON items for each of its classes from the state in
/// memory; a class with a change not yet durable holds that part back until the log
/// has it (as class reads do; a log failure answers 503). The accepting shard sorts
/// the items by key, keeps the first `max` and has `answer` write the body.
///
/// Bounded: a part keeps at most `max` + 1 items (the first by key), so one
/// request holds at most (owners x (max + 1)) items on the accepting shard.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rollcall/api/date_range.hpp"
#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"

namespace rollcall::api {

struct GatherItem {
  std::int64_t key = 0;  ///< ascending in the answer
  std::string json;      ///< one JSON value
};

struct GatherRead {
  /// On the owner of `cls`: appends the class's items to `out`.
  using Part = void (*)(ShardApi& owner, const GatherRead& read, domain::ClassId cls,
                        std::vector<GatherItem>& out);
  /// On the accepting shard: the body from the first `max` items by key;
  /// `truncated` when there were more.
  using Write = std::string (*)(const GatherRead& read, const std::vector<GatherItem>& items,
                                bool truncated);

  Part part = nullptr;
  Write write = nullptr;
  domain::UserId user;  ///< who asks
  DateRange range;
  std::int64_t now_ms = 0;
  std::size_t max = 0;
};

/// Runs `read` over `classes` (each once) and answers 200 with `read.write`'s JSON;
/// `503 overloaded` when a mailbox to an owner is full.
Answer dispatch_gather(ShardApi& api, http::Exchange& ex, GatherRead read,
                       const std::vector<domain::ClassId>& classes);

}  // namespace rollcall::api

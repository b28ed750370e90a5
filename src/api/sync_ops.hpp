#pragma once
// The parts of a sync batch (internal to api/): what travels to each owner shard,
// and what each op's result is until the batch's answer is written.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/shard_api.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/push/note.hpp"
#include "rollcall/wire/errors.hpp"

namespace rollcall::api::sync {

/// An op's outcome, kept as a value until the answer is written.
enum class Outcome : std::uint8_t { Applied, Duplicate, Superseded, Rejected };
inline constexpr std::size_t kOutcomes = 4;

struct OpResult {
  Outcome outcome = Outcome::Rejected;
  std::string op_id;
  std::string record;                ///< AttendanceRecord JSON (not for Rejected)
  std::optional<wire::Error> error;  ///< Rejected only
};

/// An op judged on the accepting shard, on its way to its class's owner.
struct RoutedOp {
  std::size_t index = 0;  ///< in the batch
  SyncOpBody op;
  domain::ClassId cls;
  domain::SessionId session;      ///< QR check-in: the token's; override: the op's
  std::int64_t token_window = 0;  ///< QR check-in
};

/// The ops of one batch that one owner runs, and what came of them.
struct Part {
  domain::UserId user;
  std::int64_t now_ms = 0;
  std::int64_t latest_ms = 0;    ///< now + the allowed clock skew
  std::int64_t earliest_ms = 0;  ///< now - `--sync-max-offline-s`
  std::vector<RoutedOp> ops;
  // Filled on the owner.
  std::vector<std::pair<std::size_t, OpResult>> results;  ///< (index in the batch, result)
  std::vector<std::pair<domain::ClassId, std::vector<live::FeedEvent>>> events;
  std::vector<domain::ClassId> changed;  ///< classes the part logged changes for
  std::vector<push::Note> notes;         ///< what the changes tell Web Push
  bool failed = false;                   ///< its changes could not be made durable
};

/// Runs `part`'s ops on their owner (`owner`), in order.
void run_part(ShardApi& owner, Part& part);

/// A rejected op's result.
OpResult rejected(const std::string& op_id, wire::Error e);

}  // namespace rollcall::api::sync

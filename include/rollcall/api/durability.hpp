#pragma once
/// The log's part in a shard's loop turn.

#include "rollcall/api/context.hpp"

namespace rollcall::api {

/// Runs once per loop turn (as a shard poller): hands the turn's batch to the ring
/// (group commit), and writes a snapshot when the log is idle and has grown past
/// `Services::snapshot_after_bytes`. Always returns false (not busy).
bool log_turn(ShardState& st);

}  // namespace rollcall::api

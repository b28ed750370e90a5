#pragma once
/// `POST /api/v1/sync` (API.md §6): a batch of offline ops, each applied on its
/// class's owner shard by the same rules as its live twin (domain attempts).
///
/// The accepting shard judges what its roster can tell (the caller's role and
/// classes, QR token signatures); the rest is grouped per owner shard, one round
/// trip each (shard/call.hpp), run there in the batch's order. Each owner answers
/// once what it applied is durable (also when nothing applied: a duplicate may
/// name an op still in flight); the accepting shard answers the batch when every
/// owner has, results in op order. If an owner's log cannot make its ops durable
/// the whole batch answers `503 storage_unavailable` (a retry is safe: ops that did
/// apply answer `duplicate`).

#include <cstdint>

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/reply.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/api/shard_api.hpp"

namespace rollcall::api {

/// Handles the parsed batch of `who`, judged at server time `now_ms`.
Answer dispatch_sync(ShardApi& api, http::Exchange& ex, const Principal& who, SyncBody body,
                     std::int64_t now_ms);

}  // namespace rollcall::api

#pragma once
/// `POST /api/v1/sync` (API.md §6): a batch of offline ops, each applied on its
/// class's owner shard by the domain's sync rules.
///
/// The accepting shard parses the batch and judges what the roster can tell
/// (the caller's role and classes, QR token signatures and windows); the rest is
/// grouped per owner shard, one message each, run there in the batch's order. Each
/// owner logs the ops it applied and answers once they are durable; the accepting
/// shard answers the batch when every owner has, with the results in the original
/// order. If an owner's log cannot make its ops durable the whole batch answers
/// `503 storage_unavailable` (a retry is safe: ops that did apply answer
/// `duplicate`).

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/context.hpp"
#include "rollcall/http/server.hpp"

namespace rollcall::api {

/// Handles the parsed, authenticated request (the route does authentication and
/// parsing). `now_ms` is the server time the batch is judged at.
void dispatch_sync(ShardState& st, http::Exchange& ex, const Principal& who, SyncBody body,
                   std::int64_t now_ms);

}  // namespace rollcall::api

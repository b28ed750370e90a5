#pragma once
/// Registers the REST API (API.md §1-6) and the live-update WebSocket (§5) on a
/// shard's router. Every handler returns its answer as a value (reply.hpp).

#include "rollcall/api/shard_api.hpp"
#include "rollcall/http/router.hpp"

namespace rollcall::api {

/// Adds every /api/v1 route; handlers run with `api` (this shard's).
void add_api_routes(http::Router& router, ShardApi& api);
/// Adds `/ws/attendance/{class_id}` (and `/ws/echo` when `echo`).
void add_live_routes(http::Router& router, ShardApi& api, bool echo);

}  // namespace rollcall::api

#pragma once
/// Registers the REST API (API.md §1–4) on a shard's router.

#include "rollcall/api/context.hpp"
#include "rollcall/http/router.hpp"

namespace rollcall::api {

/// Adds every /api/v1 route; handlers run with `st` (this shard's state).
void add_api_routes(http::Router& router, ShardState& st);
/// Adds `/ws/attendance/{class_id}` (and `/ws/echo` when `echo`).
void add_live_routes(http::Router& router, ShardState& st, bool echo);

}  // namespace rollcall::api

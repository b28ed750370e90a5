#pragma once
/// `POST /api/v1/auth/login`. Argon2id costs tens of milliseconds, so passwords are
/// checked on the auxiliary auth shard (its own thread, no connections,
/// api/auth_worker.hpp): the connection shards never block on it. Unknown and
/// disabled users cost as much as anyone.
///
/// Admission (api/login_gate.hpp): the accepting shard lets only so many of its
/// logins wait, in all, per client address (api/client_address.hpp) and per
/// username; beyond that a login is answered at once with `503 overloaded`
/// (`Retry-After: 1`) and counted in `rollcall_login_rejected_total`.

#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"

namespace rollcall::api {

/// Handles a login on the accepting shard: parses it, admits it (or answers 503),
/// looks the user up, and hands the password check to the auth shard.
Answer login(ShardApi& api, http::Exchange& ex);

}  // namespace rollcall::api

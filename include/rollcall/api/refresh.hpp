#pragma once
/// `POST /api/v1/auth/refresh` with `Authorization: Bearer <token>` (API.md §1):
/// a valid, unexpired token buys a fresh one, answered exactly like login
/// (api/sign_in_answer.hpp), so a dashboard left open all day never signs out.
/// The token is the proof: no password, no Argon2id, so it runs on the accepting
/// shard against that shard's roster.
///
/// `401 unauthorized` when the token is missing, malformed, badly signed or
/// expired, or names a user who no longer exists, has another role, or was
/// disabled since (an empty password hash: the account can no longer sign in,
/// so it may not extend its sign-in either). Any request body is ignored: the
/// opaque `refresh_token` variant of API.md §1 is not built yet (docs/api.md).

#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"

namespace rollcall::api {

Answer refresh(ShardApi& api, http::Exchange& ex);

}  // namespace rollcall::api

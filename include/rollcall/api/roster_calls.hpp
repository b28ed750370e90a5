#pragma once
/// Calls that touch the roster rather than one class's attendance:
/// - login: the password is checked on the auxiliary auth shard (Argon2id costs
///   tens of milliseconds; the connection shards never block on it);
/// - class join: runs on the roster owner (shard 0), which persists the new roster
///   and installs it on every shard before answering, so the student's very next
///   request sees the enrollment whichever shard serves it.

#include <memory>

#include "rollcall/api/context.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/http/server.hpp"

namespace rollcall::api {

/// POST /api/v1/auth/login
void login(void* ctx, http::Exchange& ex);
/// POST /api/v1/classes/join
void join_class(void* ctx, http::Exchange& ex);

}  // namespace rollcall::api

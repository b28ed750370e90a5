#pragma once
/// The answer that signs a user in (API.md §1): login and refresh answer alike,
/// `200 {"access_token", "token_type": "bearer", "expires_in", "user"}` with a
/// fresh token issued at `now_s`, valid for `Services::token_ttl_s` (3600 s).

#include <cstdint>

#include "rollcall/api/reply.hpp"
#include "rollcall/api/services.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::api {

/// A new token for `user`, issued at `now_s` (Unix seconds), as the 200 reply.
Reply sign_in_answer(const Services& services, const domain::User& user, std::int64_t now_s);

}  // namespace rollcall::api

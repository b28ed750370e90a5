#pragma once
/// The admin's user list (API.md §4, GET /api/v1/admin/users?q=&role=&cursor=),
/// answered from the accepting shard's roster: users ascending by id after the
/// cursor, filtered by a case-insensitive substring of username or name and by role,
/// at most kAdminUsersPageMax per page.

#include <cstddef>

#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"

namespace rollcall::api {

inline constexpr std::size_t kAdminUsersPageMax = 100;
/// The longest search text accepted, in bytes.
inline constexpr std::size_t kAdminUsersQueryBytesMax = 100;

Answer admin_users(ShardApi& api, http::Exchange& ex);

}  // namespace rollcall::api

#pragma once
/// The reads over several classes' history (API.md §4), each a `GatherRead`:
/// - GET /api/v1/me/attendance?from&to (students): the caller's own record in every
///   session of their classes in the range, newest first, at most kMyRecordsMax;
/// - GET /api/v1/admin/today (admins): every class, with the session it started
///   today in the district's time zone (the newest, if several) and its counts.

#include <cstddef>

#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"

namespace rollcall::api {

inline constexpr std::size_t kMyRecordsMax = 500;
inline constexpr std::size_t kTodayClassesMax = 10'000;

Answer my_attendance(ShardApi& api, http::Exchange& ex);
Answer admin_today(ShardApi& api, http::Exchange& ex);

}  // namespace rollcall::api

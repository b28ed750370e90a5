#pragma once
/// `POST /api/v1/classes/join`: a student joins a class with its join code. The
/// join runs on the roster owner (shard 0), which logs the enrollment, and once it
/// is durable installs the new roster on every data shard before answering, so the
/// student's very next request sees it whichever shard serves it. The class's own
/// owner announces the join to the class's teachers (`student_joined_class`).

#include "rollcall/api/reply.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/api/shard_api.hpp"

namespace rollcall::api {

Answer join_class(ShardApi& api, http::Exchange& ex, const Principal& who);

}  // namespace rollcall::api

#pragma once
/// What every handler needs from a request before it can act: who is calling (one
/// authentication path, whether the token comes in the Authorization header or,
/// for a WebSocket, in the query), how they relate to the class they name, and
/// the query string. Each returns the value or the error to answer.

#include <cstdint>
#include <optional>
#include <string_view>

#include "rollcall/api/shard_api.hpp"
#include "rollcall/common/result.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/wire/errors.hpp"

namespace rollcall::api {

struct Principal {
  domain::UserId id;
  domain::Role role = domain::Role::Student;
  const domain::User* user = nullptr;  ///< in the shard's current roster
  std::int64_t expires_at_s = 0;       ///< the token's `exp` (Unix seconds)
};

/// The caller behind `token` (a JWT), as of `now_s`: `401 unauthorized` when it is
/// missing, invalid, expired, or names a user the roster does not have (any more).
Expected<Principal, wire::Error> authenticate(const ShardApi& api, std::string_view token);
/// The token of `Authorization: Bearer <JWT>` ("" when there is none).
std::string_view bearer_token(const http::Exchange& ex);
std::string_view bearer_token(const http::RequestHead& head);
/// The caller of a REST request (`Authorization: Bearer`).
Expected<Principal, wire::Error> caller(const ShardApi& api, const http::Exchange& ex);

/// A class and how the caller relates to it.
struct ClassAccess {
  const domain::ClassInfo* cls = nullptr;
  domain::Relation relation = domain::Relation::None;
  bool staff() const {
    return relation == domain::Relation::Teacher || relation == domain::Relation::Admin;
  }
};
/// The class `id` as `who` may see it: `404` (`missing` names what the path
/// addressed: a class, or a session of it) when it does not exist, `403 forbidden`
/// when the caller is not a member (or not staff, with `staff_only`).
Expected<ClassAccess, wire::Error> class_access(const ShardApi& api, const Principal& who,
                                                domain::ClassId id, bool staff_only,
                                                const wire::Error& missing);

/// The value of query parameter `name` in `query` ("a=1&b=2"), or nullopt.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name);
/// `in` with %XX escapes decoded and '+' as a space (a form-encoded query value);
/// false for a '%' not followed by two hex digits.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace rollcall::api

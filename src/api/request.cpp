#include "rollcall/api/request.hpp"

#include "rollcall/api/context.hpp"
#include "rollcall/common/clock.hpp"

namespace rollcall::api {

using namespace domain;

ApiError invalid_field(std::string_view field, std::string_view why) {
  return {422, "invalid_field", std::string(field) + ": " + std::string(why)};
}

ApiError invalid_json() {
  return {400, "invalid_json", "the request body is not a JSON object"};
}

void respond(http::Exchange& ex, const ApiError& e) {
  ex.respond_error(e.status, e.code, e.message);
}

std::optional<Principal> authenticate(ShardState& st, http::Exchange& ex) {
  std::string_view h = ex.request.header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (h.size() <= kBearer.size() || !http::ascii_iequals(h.substr(0, kBearer.size()), kBearer)) {
    ex.respond_error(401, "unauthorized", "missing bearer token");
    return std::nullopt;
  }
  h.remove_prefix(kBearer.size());
  const auth::VerifiedToken t = st.services->jwt.verify(h, wall_ms() / 1000);
  if (!t.ok) {
    ex.respond_error(
        401, "unauthorized",
        t.error == auth::TokenError::Expired ? "the token has expired" : "the token is not valid");
    return std::nullopt;
  }
  const User* user = st.roster->user(UserId{t.claims.user_id});
  if (user == nullptr || user->role != t.claims.role) {
    ex.respond_error(401, "unauthorized", "the token's user does not exist");
    return std::nullopt;
  }
  return Principal{user->id, user->role, user};
}

bool require_role(http::Exchange& ex, const Principal& p, Role role) {
  if (p.role == role || p.role == Role::Admin) return true;
  ex.respond_error(403, "forbidden", "your role may not do this");
  return false;
}

std::optional<ApiError> read_id(simdjson::ondemand::value v, std::string_view field,
                                std::uint64_t& out) {
  std::uint64_t n = 0;
  if (v.get_uint64().get(n) != simdjson::SUCCESS || n == 0 ||
      n > static_cast<std::uint64_t>(INT64_MAX)) {
    return invalid_field(field, "expected a positive integer id");
  }
  out = n;
  return std::nullopt;
}

std::optional<ApiError> read_uint(simdjson::ondemand::value v, std::string_view field,
                                  std::uint64_t max, std::uint64_t& out) {
  std::uint64_t n = 0;
  if (v.get_uint64().get(n) != simdjson::SUCCESS || n > max) {
    return invalid_field(field, "expected an integer from 0 to " + std::to_string(max));
  }
  out = n;
  return std::nullopt;
}

std::optional<ApiError> read_string(simdjson::ondemand::value v, std::string_view field,
                                    std::size_t max_bytes, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return invalid_field(field, "expected a string");
  if (s.size() > max_bytes)
    return invalid_field(field, "longer than " + std::to_string(max_bytes) + " bytes");
  out.assign(s.data(), s.size());
  return std::nullopt;
}

std::optional<ApiError> read_optional_string(simdjson::ondemand::value v, std::string_view field,
                                             std::size_t max_bytes,
                                             std::optional<std::string>& out) {
  bool is_null = false;
  if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
    out.reset();
    return std::nullopt;
  }
  std::string_view text;
  if (v.get_string().get(text) != simdjson::SUCCESS)
    return invalid_field(field, "expected a string or null");
  if (text.size() > max_bytes)
    return invalid_field(field, "longer than " + std::to_string(max_bytes) + " bytes");
  out = std::string(text);
  return std::nullopt;
}

std::optional<ApiError> read_status(simdjson::ondemand::value v, std::string_view field,
                                    AttendanceStatus& out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS)
    return invalid_field(field, "expected a status string");
  const std::optional<AttendanceStatus> st = status_from_string(s);
  if (!st || *st == AttendanceStatus::Unmarked) {
    return invalid_field(field, "expected one of present, late, absent, excused");
  }
  out = *st;
  return std::nullopt;
}

}  // namespace rollcall::api

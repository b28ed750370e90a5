#include "rollcall/api/request.hpp"

#include "rollcall/common/clock.hpp"
#include "rollcall/http/parser.hpp"

namespace rollcall::api {

using namespace domain;

Expected<Principal, wire::Error> authenticate(const ShardApi& api, std::string_view token) {
  if (token.empty()) return wire::unauthorized("missing bearer token");
  const auth::VerifiedToken t = api.services.jwt.verify(token, wall_ms() / 1000);
  if (!t.ok) {
    return wire::unauthorized(t.error == auth::TokenError::Expired ? "the token has expired"
                                                                   : "the token is not valid");
  }
  const User* user = api.roster().user(UserId{t.claims.user_id});
  if (user == nullptr || user->role != t.claims.role) {
    return wire::unauthorized("the token's user does not exist");
  }
  return Principal{user->id, user->role, user, t.claims.expires_at_s};
}

std::string_view bearer_token(const http::Exchange& ex) {
  return bearer_token(ex.request);
}

std::string_view bearer_token(const http::RequestHead& head) {
  std::string_view h = head.header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (h.size() <= kBearer.size() || !http::ascii_iequals(h.substr(0, kBearer.size()), kBearer)) {
    return {};
  }
  return h.substr(kBearer.size());
}

Expected<Principal, wire::Error> caller(const ShardApi& api, const http::Exchange& ex) {
  return authenticate(api, bearer_token(ex));
}

Expected<ClassAccess, wire::Error> class_access(const ShardApi& api, const Principal& who,
                                                ClassId id, bool staff_only,
                                                const wire::Error& missing) {
  const ClassInfo* cls = id ? api.roster().class_info(id) : nullptr;
  if (cls == nullptr) return missing;
  const ClassAccess access{cls, api.roster().relation(who.id, id)};
  if (access.relation == Relation::None) {
    return wire::forbidden("you are not a member of this class");
  }
  if (staff_only && !access.staff())
    return wire::forbidden("only this class's teachers may do this");
  return access;
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] != '%') {
      out.push_back(in[i]);
    } else {
      if (i + 2 >= in.size()) return false;  // needs two more characters
      const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return true;
}

}  // namespace rollcall::api

#include "rollcall/api/admin_users.hpp"

#include <charconv>
#include <optional>
#include <string>

#include "rollcall/api/request.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

struct UserQuery {
  std::string text;  ///< lower case; empty: any
  std::optional<Role> role;
  std::uint64_t after = 0;  ///< the cursor: users with a larger id
};

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool contains_folded(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && lower(hay[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

std::optional<wire::Error> parse_query(std::string_view query, UserQuery& out) {
  if (const std::optional<std::string_view> q = query_param(query, "q")) {
    std::string text;
    if (!percent_decode(*q, text)) return wire::invalid_field("q", "a malformed %-escape");
    if (text.size() > kAdminUsersQueryBytesMax)
      return wire::invalid_field("q", "longer than 100 bytes");
    for (const char c : text) out.text.push_back(lower(c));
  }
  if (const std::optional<std::string_view> role = query_param(query, "role")) {
    out.role = role_from_string(*role);
    if (!out.role) return wire::invalid_field("role", "expected admin, teacher or student");
  }
  if (const std::optional<std::string_view> cursor = query_param(query, "cursor")) {
    const auto [end, ec] =
        std::from_chars(cursor->data(), cursor->data() + cursor->size(), out.after);
    if (ec != std::errc() || end != cursor->data() + cursor->size() || cursor->empty()) {
      return wire::invalid_field("cursor", "expected a next_cursor this call answered");
    }
  }
  return std::nullopt;
}

bool matches(const User& u, const UserQuery& q) {
  if (u.id.value <= q.after) return false;
  if (q.role && u.role != *q.role) return false;
  return contains_folded(u.username, q.text) || contains_folded(u.name, q.text);
}

void write_user(JsonWriter& w, const User& u) {
  w.begin_object();
  w.field("id", u.id.value).field("username", u.username).field("name", u.name);
  w.field("role", to_string(u.role));
  w.field("enabled", !u.password_hash.empty());  // a disabled account has no password
  w.key("classes").begin_array();
  for (const ClassId c : u.classes) w.value(c.value);
  w.end_array().end_object();
}

}  // namespace

Answer admin_users(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  if (who->role != Role::Admin) return wire::forbidden("only admins list users");
  UserQuery q;
  if (auto err = parse_query(ex.request.query, q)) return *err;
  std::vector<const User*> page;
  bool more = false;
  for (const User* u : api.roster().users()) {  // ascending by id
    if (!matches(*u, q)) continue;
    if (page.size() == kAdminUsersPageMax) {
      more = true;
      break;
    }
    page.push_back(u);
  }
  return json_reply(200, [&](JsonWriter& w) {
    w.begin_object().key("users").begin_array();
    for (const User* u : page) write_user(w, *u);
    w.end_array().key("next_cursor");
    if (more) {
      w.value(std::to_string(page.back()->id.value));
    } else {
      w.null();
    }
    w.end_object();
  });
}

}  // namespace rollcall::api

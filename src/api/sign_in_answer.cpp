#include "rollcall/api/sign_in_answer.hpp"

#include <string>

#include "rollcall/wire/json.hpp"

namespace rollcall::api {

Reply sign_in_answer(const Services& services, const domain::User& user, std::int64_t now_s) {
  const std::string token =
      services.jwt.issue(user.id.value, user.role, now_s, services.token_ttl_s);
  return json_reply(200, [&](JsonWriter& w) {
    w.begin_object().field("access_token", token).field("token_type", "bearer");
    w.field("expires_in", services.token_ttl_s).key("user");
    wire::write_user(w, user);
    w.end_object();
  });
}

}  // namespace rollcall::api

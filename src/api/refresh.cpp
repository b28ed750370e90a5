#include "rollcall/api/refresh.hpp"

#include "rollcall/api/request.hpp"
#include "rollcall/api/sign_in_answer.hpp"
#include "rollcall/common/assert.hpp"
#include "rollcall/common/clock.hpp"

namespace rollcall::api {

namespace {

// A disabled account (an import's enabledUser=false) keeps its records but loses
// its password hash, which is how login refuses it too (api/login.cpp).
bool may_sign_in(const domain::User& user) {
  return !user.password_hash.empty();
}

}  // namespace

Answer refresh(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  RC_ASSERT(who->user != nullptr);
  if (!may_sign_in(*who->user)) return wire::unauthorized("this account is disabled");
  RC_ASSERT(api.services.token_ttl_s > 0);
  return sign_in_answer(api.services, *who->user, wall_ms() / 1000);
}

}  // namespace rollcall::api

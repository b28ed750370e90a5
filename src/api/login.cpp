#include "rollcall/api/login.hpp"

#include <sodium.h>

#include "rollcall/api/bodies.hpp"
#include "rollcall/auth/password.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/shard/call.hpp"
#include "rollcall/wire/json.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

struct LoginJob {
  AuthWorker* worker;
  const Directory* directory;
  http::Deferred deferred;
  std::string username;
  std::string password;
  std::optional<User> user;  ///< copy of the roster entry (password hash included)
  Response answer = Reply{};

  LoginJob(AuthWorker* w, const Directory* d, http::Deferred def)
      : worker(w), directory(d), deferred(def) {}
  LoginJob(LoginJob&&) = default;
  ~LoginJob() { sodium_memzero(password.data(), password.size()); }

  // On the auth shard: the only place that pays for Argon2id.
  void run(shard::Shard&, shard::Reply<LoginJob> reply) {
    answer = verify(wall_ms());
    sodium_memzero(password.data(), password.size());
    reply.send();
  }

  Response verify(std::int64_t now_ms) {
    auth::AttemptLimiter& failed = worker->failed_logins();
    if (failed.blocked(username, now_ms)) {
      return wire::Error{429, "too_many_attempts",
                         "too many failed sign-ins for this user; wait a few minutes"};
    }
    // Unknown users cost as much as known ones, so timing tells nothing.
    const bool ok = user ? auth::verify_password(user->password_hash, password)
                         : (auth::verify_against_dummy(password), false);
    if (!ok) {
      failed.record_failure(username, now_ms);
      return wire::Error{401, "invalid_credentials", "wrong username or password"};
    }
    failed.clear(username);
    const Services& services = worker->services();
    const std::string token =
        services.jwt.issue(user->id.value, user->role, now_ms / 1000, services.token_ttl_s);
    return json_reply(200, [&](JsonWriter& w) {
      w.begin_object().field("access_token", token).field("token_type", "bearer");
      w.field("expires_in", services.token_ttl_s).key("user");
      wire::write_user(w, *user);
      w.end_object();
    });
  }

  void finish(shard::Shard& here, net::Connection& c) {
    complete(*directory->at(here.id()).http, here, c, deferred, answer);
  }
};

}  // namespace

Answer login(ShardApi& api, http::Exchange& ex) {
  LoginBody body;
  if (auto err = parse_login(api.json, ex.body, body)) return *err;
  const unsigned auth_shard = api.services.auth_shard;
  if (!api.shard().can_post(auth_shard)) {
    return wire::overloaded("too many sign-ins at once; retry shortly");
  }
  const http::Deferred deferred = ex.defer();
  LoginJob job(api.directory.auth, &api.directory, deferred);
  job.username = std::move(body.username);
  job.password = std::move(body.password);
  sodium_memzero(body.password.data(), body.password.size());
  if (const User* u = api.roster().user_by_username(job.username)) job.user = *u;
  const bool submitted =
      shard::submit(api.shard(), auth_shard, deferred.connection, std::move(job));
  RC_ASSERT(submitted);  // can_post said there was room
  return Handled{};
}

}  // namespace rollcall::api

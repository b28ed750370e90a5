#include "rollcall/api/login.hpp"

#include <sodium.h>

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/client_address.hpp"
#include "rollcall/api/sign_in_answer.hpp"
#include "rollcall/auth/password.hpp"
#include "src/api/login_job.hpp"

namespace rollcall::api {

using namespace domain;

LoginJob::~LoginJob() {
  sodium_memzero(password.data(), password.size());
}

void LoginJob::verify(std::int64_t now_ms) {
  auth::AttemptLimiter& failed = worker->failed_logins();
  if (failed.blocked(username, now_ms)) {
    answer = wire::Error{429, "too_many_attempts",
                         "too many failed sign-ins for this user; wait a few minutes"};
    return;
  }
  // Unknown and disabled users (an empty hash) cost as much as anyone: verify_password
  // spends a real check on a hash that cannot match, so timing tells nothing.
  worker->metrics().verifications.inc();
  const bool ok = user ? auth::verify_password(user->password_hash, password)
                       : auth::verify_against_dummy(password);
  sodium_memzero(password.data(), password.size());
  if (!ok) {
    failed.record_failure(username, now_ms);
    answer = wire::Error{401, "invalid_credentials", "wrong username or password"};
    return;
  }
  failed.clear(username);
  answer = sign_in_answer(worker->services(), *user, now_ms / 1000);
}

void LoginJob::finish(shard::Shard& here, net::Connection& c) {
  ShardApi& api = directory->at(here.id());
  api.login_gate.release(ticket);
  complete(*api.http, here, c, deferred, answer);
}

void LoginJob::abandoned(shard::Shard& here) {
  directory->at(here.id()).login_gate.release(ticket);
}

namespace {

// The key sign-in fairness counts by: the client's address (behind a trusted
// proxy, the one its PROXY header or else X-Forwarded-For names).
std::string client_key(const ShardApi& api, const http::Exchange& ex) {
  const net::Connection& c = ex.connection();
  if (!c.client) return "unknown";
  if (c.client_from_proxy_header) return net::format_ip(*c.client);
  return net::format_ip(client_address(*c.client, ex.request, api.services.trusted_proxies));
}

wire::Error refused(LoginGate::Refusal why) {
  switch (why) {
    case LoginGate::Refusal::AddressBusy:
      return wire::overloaded("too many sign-ins from this address at once; retry shortly");
    case LoginGate::Refusal::UsernameBusy:
      return wire::overloaded("a sign-in for this user is already being checked; retry shortly");
    default: return wire::overloaded("too many sign-ins at once; retry shortly");
  }
}

LoginRejection rejection_of(LoginGate::Refusal why) {
  switch (why) {
    case LoginGate::Refusal::AddressBusy: return LoginRejection::AddressBusy;
    case LoginGate::Refusal::UsernameBusy: return LoginRejection::UsernameBusy;
    default: return LoginRejection::QueueFull;
  }
}

}  // namespace

Answer login(ShardApi& api, http::Exchange& ex) {
  LoginBody body;
  if (auto err = parse_login(api.json, ex.body, body)) return *err;
  const unsigned auth_shard = api.services.auth_shard;
  LoginGate::Refusal why = LoginGate::Refusal::QueueFull;
  LoginGate::Ticket ticket;
  if (api.shard().can_post(auth_shard)) {
    why =
        api.login_gate.admit(client_key(api, ex), body.username, ex.connection().handle(), ticket);
  }
  if (why != LoginGate::Refusal::None) {
    sodium_memzero(body.password.data(), body.password.size());
    count(api.login_metrics, rejection_of(why));
    return refused(why);
  }
  const http::Deferred deferred = ex.defer();
  LoginJob job(api.directory.auth, &api.directory, deferred, ticket,
               &api.login_gate.gone_flag(ticket));
  job.address = api.login_gate.address_of(ticket);
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

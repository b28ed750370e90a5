// The Web Push calls (API.md §8): see push_routes.hpp.

#include "rollcall/api/push_routes.hpp"

#include <charconv>

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/push/base64url.hpp"
#include "rollcall/push/ece.hpp"
#include "rollcall/push/endpoint.hpp"
#include "rollcall/push/worker.hpp"
#include "rollcall/shard/call.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

wire::Error invalid_subscription(std::string why) {
  return wire::Error{422, "invalid_subscription", std::move(why)};
}

wire::Error not_found() {
  return wire::Error{404, "subscription_not_found", "you have no push subscription with this id"};
}

wire::Error not_saved() {
  return wire::storage_unavailable("the change could not be saved; nothing changed");
}

// The endpoint and keys as the directory keeps them: a checked URL, keys in
// canonical base64url. The point must be on P-256 (else no payload could ever be
// encrypted for it).
std::optional<wire::Error> checked(const ShardApi& api, PushSubscriptionBody& body) {
  Result<push::Endpoint> endpoint =
      push::parse_endpoint(body.endpoint, api.services.push_allow_private);
  if (!endpoint) return invalid_subscription("endpoint: " + endpoint.error());
  std::optional<std::string> key = push::base64url_decode(body.p256dh);
  if (!key || !push::is_p256_point(*key)) {
    return invalid_subscription("keys.p256dh: expected a P-256 point (65 bytes, base64url)");
  }
  std::optional<std::string> auth = push::base64url_decode(body.auth);
  if (!auth || auth->size() != kPushAuthBytes) {
    return invalid_subscription("keys.auth: expected 16 bytes, base64url");
  }
  body.endpoint = endpoint->url;
  body.p256dh = push::base64url_encode(*key);
  body.auth = push::base64url_encode(*auth);
  return std::nullopt;
}

Reply preferences_reply(const PushPreferences& p) {
  return json_reply(200, [&](JsonWriter& w) {
    w.begin_object()
        .field("session_opened", p.session_opened)
        .field("status_changed", p.status_changed)
        .field("missing_digest", p.missing_digest)
        .end_object();
  });
}

Reply id_reply(int status, std::uint64_t id) {
  return json_reply(status, [&](JsonWriter& w) { w.begin_object().field("id", id).end_object(); });
}

// The kinds that fit a role (API.md §8: a kind that does not fit is ignored).
PushPreferences merged(PushPreferences p, const PushPreferencesBody& body, Role role) {
  const bool student = role == Role::Student;
  if (student && body.session_opened) p.session_opened = *body.session_opened;
  if (student && body.status_changed) p.status_changed = *body.status_changed;
  if (!student && body.missing_digest) p.missing_digest = *body.missing_digest;
  return p;
}

struct PushJob {
  enum class Op : std::uint8_t { Subscribe, Unsubscribe, GetPreferences, SetPreferences };
  const Directory* directory;
  http::Deferred deferred;
  UserId user;
  Role role = Role::Student;
  Op op = Op::GetPreferences;
  PushSubscriptionBody subscription;
  std::uint64_t id = 0;
  PushPreferencesBody preferences;
  Response answer = Reply{};

  void run(shard::Shard& here, shard::Reply<PushJob> reply);
  void finish(shard::Shard& here, net::Connection& c) {
    complete(*directory->at(here.id()).http, here, c, deferred, answer);
  }

 private:
  std::optional<Command> change(const owner::Owner& owner, int& status);
};

// What the request changes, as a command (none: it changes nothing, or is refused:
// `answer` says which). `status` is the success status.
std::optional<Command> PushJob::change(const owner::Owner& owner, int& status) {
  const PushDirectory& d = owner.push();
  const std::int64_t now_ms = wall_ms();
  switch (op) {
    case Op::Subscribe: {
      const PushSubscription* known = d.find(user, subscription.endpoint);
      status = known != nullptr ? 200 : 201;
      id = known != nullptr ? known->id : d.next_id();
      answer = id_reply(status, id);
      if (known != nullptr && known->p256dh == subscription.p256dh &&
          known->auth == subscription.auth)
        return std::nullopt;
      return Subscribe{user,  id, subscription.endpoint, subscription.p256dh, subscription.auth,
                       now_ms};
    }
    case Op::Unsubscribe:
      if (d.find(user, id) == nullptr) {
        answer = not_found();
        return std::nullopt;
      }
      answer = Reply{204, {}, {}, {}};
      return Unsubscribe{user, id, now_ms};
    case Op::GetPreferences: answer = preferences_reply(d.preferences(user)); return std::nullopt;
    case Op::SetPreferences: {
      const PushPreferences p = merged(d.preferences(user), preferences, role);
      answer = preferences_reply(p);
      if (p == d.preferences(user)) return std::nullopt;
      return SetPushPreferences{user, p.session_opened, p.status_changed, p.missing_digest, now_ms};
    }
  }
  return std::nullopt;
}

void PushJob::run(shard::Shard& here, shard::Reply<PushJob> reply) {
  ShardApi& api = directory->at(here.id());
  owner::Owner& owner = api.owner;
  int status = 200;
  std::optional<Command> cmd = change(owner, status);
  if (cmd && !owner.writable()) {
    answer = not_saved();
    return reply.send();
  }
  if (cmd) RC_ASSERT(owner.apply_push(*cmd).applied);
  // Answered (and told to the worker) once everything logged so far is durable: a
  // read may show a change still on its way, too (API.md §7).
  owner.after_durable(ClassId{},
                      [&api, cmd = std::move(cmd), reply = std::move(reply)](bool durable) mutable {
                        if (!durable) {
                          reply.job().answer = not_saved();
                        } else if (cmd && api.services.push_worker != nullptr) {
                          api.services.push_worker->changed(std::move(*cmd));
                        }
                        reply.send();
                      });
}

Answer submit(ShardApi& api, http::Exchange& ex, PushJob job) {
  if (!api.shard().can_post(owner::kRosterOwner)) return wire::overloaded();
  job.directory = &api.directory;
  job.deferred = ex.defer();
  const net::ConnectionHandle connection = job.deferred.connection;
  const bool submitted =
      shard::submit(api.shard(), owner::kRosterOwner, connection, std::move(job));
  RC_ASSERT(submitted);  // can_post said there was room
  return Handled{};
}

Answer vapid_public_key(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  return json_reply(200, [&](JsonWriter& w) {
    w.begin_object().field("public_key", api.services.vapid_public_key).end_object();
  });
}

Answer subscribe(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  PushJob job{};
  if (auto err = parse_push_subscription(api.json, ex.body, job.subscription)) return *err;
  if (auto err = checked(api, job.subscription)) return *err;
  job.user = who->id;
  job.op = PushJob::Op::Subscribe;
  return submit(api, ex, std::move(job));
}

Answer unsubscribe(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  const std::optional<std::uint64_t> id = ex.params.id(0);
  if (!id) return not_found();
  PushJob job{};
  job.user = who->id;
  job.op = PushJob::Op::Unsubscribe;
  job.id = *id;
  return submit(api, ex, std::move(job));
}

Answer preferences(ShardApi& api, http::Exchange& ex, bool set) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  PushJob job{};
  if (set) {
    if (auto err = parse_push_preferences(api.json, ex.body, job.preferences)) return *err;
  }
  job.user = who->id;
  job.role = who->role;
  job.op = set ? PushJob::Op::SetPreferences : PushJob::Op::GetPreferences;
  return submit(api, ex, std::move(job));
}

template <typename Handler>
void add(http::Router& router, std::string_view method, std::string_view path, ShardApi& api,
         Handler handler) {
  router.add(method, path, [&api, handler](http::Exchange& ex) { answer(ex, handler(api, ex)); });
}

}  // namespace

void push_gone(ShardApi& api, const Unsubscribe& gone) {
  owner::Owner& owner = api.owner;
  if (!owner.writable() || owner.push().find(gone.user, gone.id) == nullptr) return;
  const Command cmd{gone};
  RC_ASSERT(owner.apply_push(cmd).applied);
  owner.after_durable(ClassId{}, [&api, cmd](bool durable) {
    if (durable && api.services.push_worker != nullptr) api.services.push_worker->changed(cmd);
  });
}

void add_push_routes(http::Router& router, ShardApi& api) {
  add(router, "GET", "/api/v1/push/vapid-public-key", api, vapid_public_key);
  add(router, "POST", "/api/v1/push/subscriptions", api, subscribe);
  add(router, "DELETE", "/api/v1/push/subscriptions/{id}", api, unsubscribe);
  add(router, "GET", "/api/v1/push/preferences", api,
      [](ShardApi& a, http::Exchange& ex) { return preferences(a, ex, false); });
  add(router, "PUT", "/api/v1/push/preferences", api,
      [](ShardApi& a, http::Exchange& ex) { return preferences(a, ex, true); });
}

}  // namespace rollcall::api

#include "rollcall/api/roster_calls.hpp"

#include <sodium.h>

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/class_call.hpp"
#include "rollcall/api/live.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/api/serialize.hpp"
#include "rollcall/auth/password.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/wal/records.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

ShardState& state(void* ctx) {
  return *static_cast<ShardState*>(ctx);
}

void error(Reply& r, int status, std::string_view code, std::string_view message) {
  r.status = status;
  r.body.clear();
  http::append_error_body(r.body, code, message);
}

/// Answers a deferred request on the shard that accepted it.
template <typename Job>
void finish_on_origin(shard::Shard& origin, Job* job) {
  std::unique_ptr<Job> owned(job);
  net::Connection* c = origin.connections().find(owned->deferred.connection);
  if (c == nullptr) return;
  ShardState::of(origin).http->complete(origin, *c, owned->deferred, owned->reply.status,
                                        owned->reply.content_type, owned->reply.body);
}

template <typename Job>
void send_back(shard::Shard& self, Job* job) {
  shard::Message m;
  m.fn = [](shard::Shard& origin, const shard::Message& msg) {
    finish_on_origin(origin, reinterpret_cast<Job*>(msg.words[0]));
  };
  m.words[0] = reinterpret_cast<std::uintptr_t>(job);
  self.post(job->origin_shard, m, shard::Shard::PostMode::Always);
}

// ---------------------------------------------------------------------------
// Login

struct LoginJob {
  std::string username;
  std::string password;
  bool found = false;
  User user;  // copy of the roster entry (password hash included) when found
  unsigned origin_shard = 0;
  http::Deferred deferred;
  Reply reply;

  ~LoginJob() { sodium_memzero(password.data(), password.size()); }
};

// Runs on the auth shard: the only place that pays for Argon2id.
void verify_login(shard::Shard& self, const shard::Message& m) {
  auto* job = reinterpret_cast<LoginJob*>(m.words[0]);
  ShardState& st = ShardState::of(self);
  const std::int64_t now_ms = wall_ms();
  if (st.failed_logins.blocked(job->username, now_ms)) {
    error(job->reply, 429, "too_many_attempts",
          "too many failed sign-ins for this user; wait a few minutes");
  } else {
    // Unknown users cost as much as known ones, so timing tells nothing.
    const bool ok = job->found ? auth::verify_password(job->user.password_hash, job->password)
                               : (auth::verify_against_dummy(job->password), false);
    if (!ok) {
      st.failed_logins.record_failure(job->username, now_ms);
      error(job->reply, 401, "invalid_credentials", "wrong username or password");
    } else {
      st.failed_logins.clear(job->username);
      const std::string token = st.services->jwt.issue(job->user.id.value, job->user.role,
                                                       now_ms / 1000, st.services->token_ttl_s);
      job->reply.status = 200;
      job->reply.body.clear();
      JsonWriter w(job->reply.body);
      w.begin_object().field("access_token", token).field("token_type", "bearer");
      w.field("expires_in", st.services->token_ttl_s).key("user");
      write_user(w, job->user);
      w.end_object();
    }
  }
  send_back(self, job);
}

}  // namespace

void login(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  LoginBody body;
  if (auto err = parse_login(st.json, ex.body, body)) return respond(ex, *err);
  auto job = std::make_unique<LoginJob>();
  job->username = std::move(body.username);
  job->password = std::move(body.password);
  sodium_memzero(body.password.data(), body.password.size());
  if (const User* u = st.roster->user_by_username(job->username)) {
    job->found = true;
    job->user = *u;
  }
  const unsigned auth_shard = st.services->auth_shard;
  if (!st.shard->can_post(auth_shard)) {
    return ex.respond_error(503, "overloaded", "too many sign-ins at once; retry shortly",
                            {{"Retry-After", "1"}});
  }
  job->origin_shard = st.shard->id();
  job->deferred = ex.defer();
  shard::Message m;
  m.fn = verify_login;
  m.words[0] = reinterpret_cast<std::uintptr_t>(job.release());
  st.shard->post(auth_shard, m);
}

// ---------------------------------------------------------------------------
// Class join

namespace {

struct JoinJob {
  UserId student;
  ClassId cls;
  std::string join_code;
  std::shared_ptr<const Roster> next;  // the roster this join produced (null: no change)
  ShardState* owner = nullptr;
  unsigned acks_pending = 0;
  unsigned origin_shard = 0;
  http::Deferred deferred;
  Reply reply;
};

using RosterPtr = std::shared_ptr<const Roster>;

void on_install_ack(shard::Shard& self, const shard::Message& m) {
  auto* job = reinterpret_cast<JoinJob*>(m.words[0]);
  RC_ASSERT(job->acks_pending > 0);
  if (--job->acks_pending == 0) send_back(self, job);
}

struct JoinAnnouncement {
  ShardState* st;
  ClassId cls;
  std::vector<FeedEvent> events;
};

void on_announcement_durable(void* arg, bool ok) {
  std::unique_ptr<JoinAnnouncement> a(static_cast<JoinAnnouncement*>(arg));
  if (ok) publish_events(*a->st, a->cls, a->events);
}

// The class's owner tells its teachers a student joined (live update). It logs the
// announcement, so replay gives later events the same seqs, and publishes it once
// durable like every other event.
void announce_join(ShardState& st, UserId student, ClassId cls) {
  if (owner_of(cls, st.services->data_shards) != st.shard->id()) return;
  const User* u = st.roster->user(student);
  if (u == nullptr || !st.log->healthy()) return;
  const std::int64_t now_ms = wall_ms();
  st.log->append(wal::ClassJoinedRecord{cls, student, now_ms});
  auto* a = new JoinAnnouncement{&st, cls, {student_joined_class_event(*u, now_ms)}};
  st.log->when_durable(wal::Waiter{on_announcement_durable, a});
}

// Runs on every other data shard: take the new roster, then tell the owner.
void install_roster(shard::Shard& self, const shard::Message& m) {
  std::unique_ptr<RosterPtr> next(reinterpret_cast<RosterPtr*>(m.words[0]));
  ShardState& st = ShardState::of(self);
  // Messages from the roster owner arrive in order, so versions only go up.
  RC_ASSERT((*next)->version() > st.roster->version());
  st.roster = std::move(*next);
  announce_join(st, UserId{m.words[2]}, ClassId{m.words[3]});
  shard::Message ack;
  ack.fn = on_install_ack;
  ack.words[0] = m.words[1];
  self.post(kRosterOwner, ack, shard::Shard::PostMode::Always);
}

// Runs on the roster owner once the join's log record is durable (or failed):
// install the new roster here, then on every other shard, then answer.
void on_join_durable(void* arg, bool ok) {
  auto* job = static_cast<JoinJob*>(arg);
  ShardState& st = *job->owner;
  shard::Shard& self = *st.shard;
  if (!ok) {
    st.roster_head = st.roster;  // later joins in the lost batch fail too
    error(job->reply, 503, "storage_unavailable",
          "the enrollment could not be saved; nothing changed");
    return send_back(self, job);
  }
  if (!job->next) return send_back(self, job);  // a repeat join, now durable
  // Waiters run in log order, so rosters are installed in version order.
  st.roster = job->next;
  announce_join(st, job->student, job->cls);
  const unsigned shards = st.services->data_shards;
  job->acks_pending = shards - 1;
  if (job->acks_pending == 0) return send_back(self, job);
  for (unsigned s = 0; s < shards; ++s) {
    if (s == self.id()) continue;
    shard::Message install;
    install.fn = install_roster;
    install.words[0] = reinterpret_cast<std::uintptr_t>(new RosterPtr(job->next));
    install.words[1] = reinterpret_cast<std::uintptr_t>(job);
    install.words[2] = job->student.value;
    install.words[3] = job->cls.value;
    self.post(s, install, shard::Shard::PostMode::Always);
  }
}

// Runs on the roster owner.
void apply_join(shard::Shard& self, const shard::Message& m) {
  auto* job = reinterpret_cast<JoinJob*>(m.words[0]);
  ShardState& st = ShardState::of(self);
  const Roster& head = *st.roster_head;
  const ClassInfo* cls = head.class_by_join_code(job->join_code);
  if (cls == nullptr) {
    error(job->reply, 422, "invalid_join_code", "no class has this join code");
    return send_back(self, job);
  }
  job->reply.status = 201;
  JsonWriter w(job->reply.body);
  w.begin_object().field("class_id", cls->id.value).field("class_name", cls->name).end_object();
  job->owner = &st;
  if (head.enrolled(job->student, cls->id)) {
    job->reply.status = 200;
    // Enrolled already, but perhaps by a join still on its way to disk: answer
    // only once everything logged so far is durable.
    st.log->when_durable(wal::Waiter{on_join_durable, job});
    return;
  }
  if (!st.log->healthy()) {
    error(job->reply, 503, "storage_unavailable",
          "the enrollment could not be saved; nothing changed");
    return send_back(self, job);
  }
  job->cls = cls->id;
  job->next = head.with_enrollment(job->student, cls->id);
  st.log->append(wal::EnrolledRecord{job->student, cls->id, job->next->version()});
  st.roster_head = job->next;
  st.log->when_durable(wal::Waiter{on_join_durable, job});
}

}  // namespace

void join_class(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return;
  if (p->role != Role::Student)
    return ex.respond_error(403, "forbidden", "only students join classes");
  JoinBody body;
  if (auto err = parse_join(st.json, ex.body, body)) return respond(ex, *err);
  auto job = std::make_unique<JoinJob>();
  job->join_code = std::move(body.join_code);
  if (!st.shard->can_post(kRosterOwner)) {
    return ex.respond_error(503, "overloaded", "the server is busy; retry shortly",
                            {{"Retry-After", "1"}});
  }
  job->student = p->id;
  job->origin_shard = st.shard->id();
  job->deferred = ex.defer();
  shard::Message m;
  m.fn = apply_join;
  m.words[0] = reinterpret_cast<std::uintptr_t>(job.release());
  st.shard->post(kRosterOwner, m);
}

}  // namespace rollcall::api

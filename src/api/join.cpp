#include "rollcall/api/join.hpp"

#include <memory>
#include <utility>

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/roster_rollout.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/shard/call.hpp"
#include "rollcall/storage/log.hpp"

namespace rollcall::api {

using namespace domain;
using RosterPtr = std::shared_ptr<const Roster>;

namespace {

wire::Error not_saved() {
  return wire::storage_unavailable("the enrollment could not be saved; nothing changed");
}

struct JoinJob {
  const Directory* directory;
  http::Deferred deferred;
  UserId student;
  std::string join_code;
  Response answer = Reply{};

  void run(shard::Shard& here, shard::Reply<JoinJob> reply);
  void enroll(ShardApi& api, const ClassInfo& cls, shard::Reply<JoinJob> reply);
  void finish(shard::Shard& here, net::Connection& c) {
    complete(*directory->at(here.id()).http, here, c, deferred, answer);
  }
};

// Once the enrollment is durable: install the roster everywhere, then answer.
void installed(ShardApi& api, RosterPtr next, ClassId cls, shard::Reply<JoinJob> reply) {
  const UserId student = reply.job().student;
  auto pending = std::make_shared<shard::Reply<JoinJob>>(std::move(reply));
  roll_out_roster(api, std::move(next), {Joined{student, cls}}, [pending] { pending->send(); });
}

void JoinJob::enroll(ShardApi& api, const ClassInfo& cls, shard::Reply<JoinJob> reply) {
  RosterPtr next = api.owner.roster_head()->with_enrollment(student, cls.id);
  api.owner.append(Enroll{student, cls.id, next->version()});
  api.owner.set_roster_head(next);
  api.owner.after_durable(
      ClassId{}, [&api, next, cls = cls.id, reply = std::move(reply)](bool durable) mutable {
        if (durable) return installed(api, std::move(next), cls, std::move(reply));
        api.owner.set_roster_head(api.owner.roster_ptr());  // later joins in the batch fail too
        reply.job().answer = not_saved();
        reply.send();
      });
}

// Join codes are short: a student who sent too many that no class has is refused
// for a while (like wrong verification codes), whatever the code.
const ClassInfo* look_up(ShardApi& api, UserId student, std::string_view code, Response& answer) {
  const auto now_ms = static_cast<std::int64_t>(monotonic_ms());
  const auth::IdPair key{student.value, 0};
  if (api.wrong_join_codes.blocked(key, now_ms)) {
    api.join_metrics.limited.inc();
    answer = wire::Error{429, "too_many_attempts",
                         "too many wrong join codes; wait a few minutes before trying again"};
    return nullptr;
  }
  const ClassInfo* cls = api.owner.roster_head()->class_by_join_code(code);
  if (cls == nullptr) {
    api.wrong_join_codes.record_failure(key, now_ms);
    api.join_metrics.wrong_codes.inc();
    answer = wire::Error{422, "invalid_join_code", "no class has this join code"};
  }
  return cls;
}

void JoinJob::run(shard::Shard& here, shard::Reply<JoinJob> reply) {
  ShardApi& api = directory->at(here.id());
  const ClassInfo* cls = look_up(api, student, join_code, answer);
  if (cls == nullptr) return reply.send();
  const bool enrolled = api.owner.roster_head()->enrolled(student, cls->id);
  answer = json_reply(enrolled ? 200 : 201, [&](JsonWriter& w) {
    w.begin_object().field("class_id", cls->id.value).field("class_name", cls->name).end_object();
  });
  if (enrolled) {
    // Perhaps by a join still on its way to disk: answer once all logged so far is.
    return api.owner.after_durable(ClassId{},
                                   [&api, reply = std::move(reply)](bool durable) mutable {
                                     if (!durable) {
                                       api.owner.set_roster_head(api.owner.roster_ptr());
                                       reply.job().answer = not_saved();
                                     }
                                     reply.send();
                                   });
  }
  if (!api.owner.writable()) {
    answer = not_saved();
    return reply.send();
  }
  enroll(api, *cls, std::move(reply));
}

}  // namespace

Answer join_class(ShardApi& api, http::Exchange& ex, const Principal& who) {
  if (who.role != Role::Student) return wire::forbidden("only students join classes");
  JoinBody body;
  if (auto err = parse_join(api.json, ex.body, body)) return *err;
  if (!api.shard().can_post(owner::kRosterOwner)) return wire::overloaded();
  const http::Deferred deferred = ex.defer();
  const bool submitted =
      shard::submit(api.shard(), owner::kRosterOwner, deferred.connection,
                    JoinJob{&api.directory, deferred, who.id, std::move(body.join_code), Reply{}});
  RC_ASSERT(submitted);  // can_post said there was room
  return Handled{};
}

}  // namespace rollcall::api

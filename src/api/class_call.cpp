#include "rollcall/api/class_call.hpp"

#include <utility>

#include "rollcall/api/push_notes.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/shard/call.hpp"
#include "rollcall/storage/log.hpp"
#include "src/api/class_ops.hpp"

namespace rollcall::api {

using Kind = ClassRequest::Kind;

namespace {

bool mutates(Kind k) {
  switch (k) {
    case Kind::OpenSession:
    case Kind::CloseSession:
    case Kind::CheckInCode:
    case Kind::CheckInQr:
    case Kind::Override:
    case Kind::Bulk: return true;
    default: return false;
  }
}

ClassResult run_kind(ops::OnOwner& o) {
  switch (o.req.kind) {
    case Kind::OpenSession: return ops::open_session(o);
    case Kind::CurrentSession: return ops::current_session(o);
    case Kind::CloseSession: return ops::close_session(o);
    case Kind::Attendance: return ops::attendance(o);
    case Kind::Audit: return ops::audit(o);
    case Kind::Qr:
    case Kind::QrSvg: return ops::qr(o);
    case Kind::CheckInCode:
    case Kind::CheckInQr: return ops::check_in(o);
    case Kind::Override: return ops::override_record(o);
    case Kind::Bulk: return ops::bulk(o);
    case Kind::ExportCsv: return ops::export_csv(o);
    case Kind::History: return ops::history(o);
    case Kind::Report:
    case Kind::ReportCsv: return ops::report(o);
  }
  RC_ASSERT(false && "unknown ClassRequest kind");
  return ops::failed(wire::class_not_found());
}

// The request's trip to the class's owner and back.
struct ClassJob {
  const Directory* directory;
  http::Deferred deferred;
  ClassRequest req;
  ClassResult result;

  void run(shard::Shard& here, shard::Reply<ClassJob> reply) {
    ShardApi& owner = directory->at(here.id());
    result = run_class_request(owner, req);
    if (!result.wait_for_log) return reply.send();
    owner.owner.after_durable(result.changed,
                              [reply = std::move(reply), &owner](bool durable) mutable {
                                ClassJob& job = reply.job();
                                if (durable) {
                                  // Now the world may hear of it (publishing never fails the
                                  // request).
                                  owner.feeds.publish(job.req.cls, job.result.events);
                                  push_durable(owner, job.req.cls, job.result.note);
                                } else {
                                  // In memory but not on disk: nobody may see it.
                                  job.result.answer = wire::storage_unavailable();
                                }
                                reply.send();
                              });
  }

  void finish(shard::Shard& here, net::Connection& c) {
    complete(*directory->at(here.id()).http, here, c, deferred, result.answer);
  }
};

}  // namespace

namespace ops {
ClassResult failed(wire::Error e) {
  ClassResult r;
  r.answer = std::move(e);
  return r;
}
}  // namespace ops

ClassResult run_class_request(ShardApi& owner, const ClassRequest& req) {
  const domain::Roster& roster = owner.roster();
  const domain::ClassInfo* cls = roster.class_info(req.cls);
  if (cls == nullptr) return ops::failed(wire::class_not_found());
  // A class whose last change could not be made durable answers nothing until a
  // restart has recovered what is durable; a failed log takes no more writes.
  if (owner.owner.tainted(req.cls)) return ops::failed(wire::storage_unavailable());
  if (mutates(req.kind) && !owner.owner.writable()) {
    return ops::failed(wire::storage_unavailable());
  }
  ops::OnOwner o{owner, req, roster, *cls, owner.owner.attendance(req.cls), wall_ms()};
  ClassResult result = run_kind(o);
  // A write's answer waits for the log even when it appended nothing itself: a
  // repeated check-in answers with a record whose own append may still be in flight.
  // A read waits when the class shows a change still on its way to disk.
  result.wait_for_log = mutates(req.kind) || !owner.owner.settled(req.cls);
  return result;
}

Answer dispatch(ShardApi& api, http::Exchange& ex, ClassRequest req) {
  shard::Shard& self = api.shard();
  const unsigned owner = owner::owner_of(req.cls, api.services.data_shards);
  if (owner != self.id() && !self.can_post(owner)) return wire::overloaded();
  const http::Deferred d = ex.defer();
  const bool submitted =
      shard::submit(self, owner, d.connection, ClassJob{&api.directory, d, std::move(req), {}});
  RC_ASSERT(submitted);  // can_post said there was room
  return Handled{};
}

}  // namespace rollcall::api

#include "rollcall/api/sync.hpp"

#include <map>
#include <memory>
#include <utility>

#include "rollcall/api/push_notes.hpp"
#include "rollcall/auth/qr_token.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/shard/call.hpp"
#include "rollcall/storage/log.hpp"
#include "src/api/sync_ops.hpp"

namespace rollcall::api {

using namespace domain;
using sync::OpResult;
using sync::Outcome;

namespace {

constexpr std::string_view kOutcomeNames[sync::kOutcomes] = {"applied", "duplicate", "superseded",
                                                             "rejected"};

// A batch being answered, on the shard that accepted it.
struct Batch {
  http::Deferred deferred;
  std::vector<OpResult> results;  ///< one per op, in order
  unsigned parts_pending = 0;
  bool failed = false;
  std::int64_t server_time_ms = 0;
};

std::string batch_body(const Batch& batch) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("results").begin_array();
  for (const OpResult& r : batch.results) {
    w.begin_object().field("op_id", r.op_id);
    w.field("outcome", kOutcomeNames[static_cast<std::size_t>(r.outcome)]);
    if (r.error) {
      w.key("error").begin_object().field("code", r.error->code);
      w.field("message", r.error->message).end_object();
    } else {
      w.key("record").raw(r.record);
    }
    w.end_object();
  }
  w.end_array().key("server_time").time_ms(batch.server_time_ms).end_object();
  return body;
}

Response batch_answer(ShardApi& api, const Batch& batch) {
  if (batch.failed) {
    return wire::storage_unavailable(
        "attendance cannot be saved right now; retry the batch (ops that applied answer "
        "duplicate)");
  }
  SyncMetrics& m = api.sync_metrics;
  m.batches.inc();
  for (const OpResult& r : batch.results) {
    m.ops[static_cast<std::size_t>(r.outcome)].inc();
    if (r.error) m.rejections[SyncMetrics::rejection_index(r.error->code)].inc();
  }
  return Reply{200, "application/json", batch_body(batch), {}};
}

// One part's trip to its owner and back.
struct PartJob {
  const Directory* directory;
  std::shared_ptr<Batch> batch;  ///< touched on the accepting shard only
  sync::Part part;

  void run(shard::Shard& here, shard::Reply<PartJob> reply) {
    ShardApi& owner = directory->at(here.id());
    sync::run_part(owner, part);
    if (part.failed) return reply.send();
    std::vector<ClassId> changed = part.changed;
    owner.owner.after_durable(std::move(changed),
                              [reply = std::move(reply), &owner](bool durable) mutable {
                                sync::Part& p = reply.job().part;
                                if (durable) {
                                  for (auto& [cls, events] : p.events)
                                    owner.feeds.publish(cls, events);
                                  for (push::Note& n : p.notes)
                                    push_durable(owner, n.cls, std::move(n));
                                } else {
                                  p.failed = true;  // in memory but not on disk: nobody may see it
                                }
                                reply.send();
                              });
  }

  void finish(shard::Shard& here, net::Connection& c) {
    if (part.failed) batch->failed = true;
    for (auto& [index, result] : part.results) batch->results[index] = std::move(result);
    if (--batch->parts_pending > 0) return;
    ShardApi& api = directory->at(here.id());
    complete(*api.http, here, c, batch->deferred, batch_answer(api, *batch));
  }
};

// What the accepting shard's roster can judge of an op: its role, class and QR
// token; the rest is for the class's owner.
Expected<sync::RoutedOp, wire::Error> route_check_in(const ShardApi& api, const Principal& who,
                                                     const SyncOpBody& op) {
  if (who.role != Role::Student) return wire::forbidden("only students check in");
  const ClassInfo* cls = api.roster().class_info(ClassId{op.class_id});
  if (cls == nullptr) return wire::class_not_found();
  if (!api.roster().enrolled(who.id, cls->id)) return wire::not_enrolled();
  sync::RoutedOp r;
  r.cls = cls->id;
  if (op.method == CheckInBody::Method::QrCode) {
    const std::optional<auth::QrToken> t = api.services.qr.verify(op.qr_token);
    if (!t || class_of(SessionId{t->session_id}) != cls->id) return wire::invalid_qr_token();
    r.session = SessionId{t->session_id};
    r.token_window = t->window;
  }
  return r;
}

Expected<sync::RoutedOp, wire::Error> route_override(const ShardApi& api, const Principal& who,
                                                     const SyncOpBody& op) {
  const SessionId sid{op.session_id};
  const ClassInfo* cls = op.session_id != 0 ? api.roster().class_info(class_of(sid)) : nullptr;
  if (cls == nullptr) return wire::session_not_found();
  const Relation rel = api.roster().relation(who.id, cls->id);
  if (rel != Relation::Teacher && rel != Relation::Admin) {
    return wire::forbidden("only this class's teachers may do this");
  }
  sync::RoutedOp r;
  r.cls = cls->id;
  r.session = sid;
  return r;
}

using Parts = std::map<unsigned, sync::Part>;  // by owner shard

// Judges every op: rejected ones get their result now, the others join their
// owner's part.
void route_ops(ShardApi& api, const Principal& who, SyncBody& body, std::int64_t now_ms,
               Batch& batch, Parts& parts) {
  for (std::size_t i = 0; i < body.ops.size(); ++i) {
    SyncOpBody& op = body.ops[i];
    if (op.error) {
      batch.results[i] = sync::rejected(op.op_id, *op.error);
      continue;
    }
    Expected<sync::RoutedOp, wire::Error> routed = op.kind == SyncOpBody::Kind::CheckIn
                                                       ? route_check_in(api, who, op)
                                                       : route_override(api, who, op);
    if (!routed) {
      batch.results[i] = sync::rejected(op.op_id, routed.error());
      continue;
    }
    sync::Part& part = parts[owner::owner_of(routed->cls, api.services.data_shards)];
    part.user = who.id;
    part.now_ms = now_ms;
    part.latest_ms = now_ms + api.services.sync_clock_skew_ms;
    part.earliest_ms = now_ms - api.services.sync_max_offline_ms;
    routed->index = i;
    routed->op = std::move(op);
    part.ops.push_back(std::move(*routed));
  }
}

}  // namespace

Answer dispatch_sync(ShardApi& api, http::Exchange& ex, const Principal& who, SyncBody body,
                     std::int64_t now_ms) {
  shard::Shard& self = api.shard();
  auto batch = std::make_shared<Batch>();
  batch->results.resize(body.ops.size());
  batch->server_time_ms = now_ms;
  Parts parts;
  route_ops(api, who, body, now_ms, *batch, parts);
  if (parts.empty()) return std::get<Reply>(batch_answer(api, *batch));
  for (const auto& [owner, part] : parts) {
    if (owner != self.id() && !self.can_post(owner)) return wire::overloaded();
  }
  batch->deferred = ex.defer();
  batch->parts_pending = static_cast<unsigned>(parts.size());
  for (auto& [owner, part] : parts) {
    const bool submitted = shard::submit(self, owner, batch->deferred.connection,
                                         PartJob{&api.directory, batch, std::move(part)});
    RC_ASSERT(submitted);  // can_post said there was room
  }
  return Handled{};
}

}  // namespace rollcall::api

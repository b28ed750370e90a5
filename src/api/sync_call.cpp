#include "rollcall/api/sync_call.hpp"

#include <map>
#include <memory>
#include <utility>

#include "rollcall/api/live.hpp"
#include "rollcall/api/live_events.hpp"
#include "rollcall/api/serialize.hpp"
#include "rollcall/auth/codes.hpp"
#include "rollcall/auth/qr_token.hpp"
#include "rollcall/common/assert.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/wal/records.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

// One op on its way to (and back from) its class's owner.
struct RoutedOp {
  std::size_t index = 0;  ///< in the batch
  SyncOpBody op;
  ClassId cls;
  SessionId session;  ///< QR check-in: the token's; override: the op's
};

struct SyncBatch;

// The ops of one batch that one owner shard runs, and what it answered.
struct SyncPart {
  SyncBatch* batch = nullptr;  ///< touched on the accepting shard only
  unsigned origin = 0;
  UserId user;
  std::int64_t now_ms = 0;
  std::int64_t latest_ms = 0;  ///< now + the allowed clock skew
  std::vector<RoutedOp> ops;
  // Filled on the owner.
  std::vector<std::pair<std::size_t, std::string>> results;
  std::vector<std::pair<ClassId, std::vector<FeedEvent>>> events;
  std::vector<ClassId> changed;  ///< classes the part logged changes for
  bool failed = false;           ///< its changes could not be made durable
  ShardState* owner = nullptr;
};

// A batch being answered, on the shard that accepted it.
struct SyncBatch {
  http::Deferred deferred;
  std::vector<std::string> results;  ///< one JSON object per op
  unsigned parts_pending = 0;
  bool failed = false;
  std::int64_t server_time_ms = 0;
};

// The result of an op that did not apply: the error code and message its REST twin
// would give.
std::string rejected(const std::string& op_id, std::string_view code, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op_id", op_id).field("outcome", "rejected");
  w.key("error").begin_object().field("code", code).field("message", message).end_object();
  w.end_object();
  return out;
}

std::string rejected(const std::string& op_id, const ApiError& e) {
  return rejected(op_id, e.code, e.message);
}

std::string_view outcome_name(SyncOutcome o) {
  switch (o) {
    case SyncOutcome::Applied: return "applied";
    case SyncOutcome::Duplicate: return "duplicate";
    case SyncOutcome::Superseded: return "superseded";
  }
  return "applied";
}

std::string with_record(const std::string& op_id, SyncOutcome outcome, const Roster& roster,
                        const ClassInfo& cls, const Session& session, const Record& record) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op_id", op_id).field("outcome", outcome_name(outcome));
  w.key("record");
  write_record(w, roster, cls, session, record);
  w.end_object();
  return out;
}

constexpr std::string_view kBatchFailed =
    "attendance cannot be saved right now; retry the batch (ops that applied answer duplicate)";

std::string batch_body(const SyncBatch& batch) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("results").begin_array();
  for (const std::string& r : batch.results) w.raw(r);
  w.end_array().key("server_time").time_ms(batch.server_time_ms).end_object();
  return body;
}

// Counts the batch's outcomes. In a result object `,"outcome":"` cannot occur inside
// the op_id (its quotes are escaped), so the first one is the field.
void count_outcomes(metrics::ShardMetrics& m, const SyncBatch& batch) {
  m.sync_batches.inc();
  for (const std::string& r : batch.results) {
    const std::size_t at = r.find(",\"outcome\":\"");
    const char first = at == std::string::npos || at + 12 >= r.size() ? 'r' : r[at + 12];
    m.sync_ops[first == 'a' ? 0 : first == 'd' ? 1 : first == 's' ? 2 : 3].inc();
  }
}

void answer_batch(ShardState& st, std::unique_ptr<SyncBatch> batch) {
  shard::Shard& self = *st.shard;
  net::Connection* c = self.connections().find(batch->deferred.connection);
  if (c == nullptr) return;  // the client left; what applied stands (a retry answers duplicate)
  if (batch->failed) {
    st.http->complete_error(self, *c, batch->deferred, 503, "storage_unavailable", kBatchFailed);
    return;
  }
  count_outcomes(self.metrics(), *batch);
  st.http->complete(self, *c, batch->deferred, 200, "application/json", batch_body(*batch));
}

// --- On the owner -------------------------------------------------------------

// Runs one op on its class's owner; returns its result object.
std::string run_op(ShardState& st, SyncPart& part, RoutedOp& r) {
  const SyncOpBody& op = r.op;
  const Roster& roster = *st.roster;
  const ClassInfo* cls = roster.class_info(r.cls);
  if (cls == nullptr) return rejected(op.op_id, "class_not_found", "no such class");
  if (st.tainted.count(r.cls) != 0) {
    return rejected(op.op_id, "storage_unavailable",
                    "attendance cannot be saved right now; nothing changed");
  }
  ClassAttendance& att = st.attendance(r.cls);
  // A retry first: whatever else changed since, an applied op answers duplicate.
  if (const AppliedOp* done = att.applied_op(part.user, op.op_id)) {
    const Session& s = *att.session(done->session);
    return with_record(op.op_id, SyncOutcome::Duplicate, roster, *cls, s,
                       s.record_of(done->student));
  }
  if (op.client_time_ms > part.latest_ms) {
    return rejected(op.op_id, "invalid_client_time",
                    "client_time is in the future (beyond the allowed clock skew)");
  }
  SyncResult result;
  SessionId sid = r.session;
  if (op.kind == SyncOpBody::Kind::CheckIn) {
    if (op.method == CheckInBody::Method::VerificationCode) {
      const Session* s = att.session_at(op.client_time_ms);
      if (s == nullptr)
        return rejected(op.op_id, "no_open_session",
                        "no session of this class was open at client_time");
      sid = s->id;
      const auth::IdPair key{s->id.value, part.user.value};
      if (st.wrong_codes.blocked(key, part.now_ms)) {
        return rejected(op.op_id, "too_many_attempts", "too many wrong codes; wait a few minutes");
      }
      if (!auth::equal_constant_time(op.code, s->verification_code)) {
        st.wrong_codes.record_failure(key, part.now_ms);
        return rejected(op.op_id, "invalid_code",
                        "that code is not the code of the session open at client_time");
      }
    }
    const Method method =
        op.method == CheckInBody::Method::QrCode ? Method::QrCode : Method::VerificationCode;
    result = att.sync_check_in(
        *cls, sid, {part.user, method, op.client_time_ms, part.now_ms, part.latest_ms, op.op_id});
    switch (result.error) {
      case Refusal::None: break;
      case Refusal::SessionNotFound:
        return rejected(op.op_id, "no_open_session", "the code's session does not exist");
      case Refusal::NotEnrolled:
        return rejected(op.op_id, "not_enrolled", "you are not enrolled in this class");
      case Refusal::OutsideSession: {
        const Session& s = *att.session(sid);
        if (!s.open && op.client_time_ms > s.closed_at_ms) {
          return rejected(op.op_id, "session_closed", "the session had closed before client_time");
        }
        return rejected(op.op_id, "invalid_client_time",
                        "client_time is before the session started");
      }
      default: return rejected(op.op_id, "invalid_client_time", "client_time is in the future");
    }
    if (result.outcome == SyncOutcome::Applied) {
      st.log->append(wal::SyncCheckedInRecord{r.cls, sid, part.user, method, op.client_time_ms,
                                              part.now_ms, op.op_id});
    }
  } else {
    result = att.sync_override(*cls, sid,
                               {part.user, UserId{op.student_id}, op.status, op.reason,
                                op.client_time_ms, part.now_ms, part.latest_ms, op.op_id});
    switch (result.error) {
      case Refusal::None: break;
      case Refusal::SessionNotFound:
        return rejected(op.op_id, "session_not_found", "no such session in this class");
      case Refusal::UnknownStudent:
        return rejected(op.op_id, "student_not_found", "no such student in this class");
      case Refusal::InvalidStatus:
        return rejected(op.op_id, "invalid_field", "status: unmarked cannot be set");
      case Refusal::OutsideSession:
        return rejected(op.op_id, "invalid_client_time",
                        "client_time is before the session started");
      default: return rejected(op.op_id, "invalid_client_time", "client_time is in the future");
    }
    if (result.outcome == SyncOutcome::Applied) {
      st.log->append(wal::SyncOverriddenRecord{r.cls, sid, part.user, UserId{op.student_id},
                                               op.status, op.reason, op.client_time_ms, part.now_ms,
                                               op.op_id});
    }
  }
  if (result.outcome == SyncOutcome::Applied) {
    part.changed.push_back(r.cls);
    std::vector<FeedEvent> events = feed_events(roster, *cls, att, result.events, part.now_ms);
    if (part.events.empty() || part.events.back().first != r.cls)
      part.events.emplace_back(r.cls, std::vector<FeedEvent>{});
    for (FeedEvent& e : events) part.events.back().second.push_back(std::move(e));
  }
  return with_record(op.op_id, result.outcome, roster, *cls, *att.session(sid), result.record);
}

void on_part_reply(shard::Shard& origin, const shard::Message& m);

// Sends the finished part back to the accepting shard, or merges it here.
void send_back(ShardState& owner, SyncPart* part) {
  shard::Shard& self = *owner.shard;
  if (part->origin == self.id()) {
    shard::Message m;
    m.words[0] = reinterpret_cast<std::uintptr_t>(part);
    on_part_reply(self, m);
    return;
  }
  shard::Message back;
  back.fn = on_part_reply;
  back.words[0] = reinterpret_cast<std::uintptr_t>(part);
  self.post(part->origin, back,
            shard::Shard::PostMode::Always);  // the answer reports changes made: never dropped
}

void on_part_durable(void* arg, bool ok) {
  auto* part = static_cast<SyncPart*>(arg);
  ShardState& st = *part->owner;
  if (!ok) {
    // In memory but not on disk: nobody may see it; the classes answer 503 until restart.
    part->failed = true;
    for (const ClassId c : part->changed) st.tainted.insert(c);
  } else {
    for (auto& [cls, events] : part->events) publish_events(st, cls, events);
  }
  send_back(st, part);
}

void run_part(ShardState& st, SyncPart* part) {
  part->owner = &st;
  if (!st.log->healthy()) {
    part->failed = true;
    return send_back(st, part);
  }
  for (RoutedOp& r : part->ops) part->results.emplace_back(r.index, run_op(st, *part, r));
  // Also with nothing applied: a duplicate may answer for an op still in flight.
  st.log->when_durable(wal::Waiter{on_part_durable, part});
}

void on_part(shard::Shard& owner, const shard::Message& m) {
  run_part(ShardState::of(owner), reinterpret_cast<SyncPart*>(m.words[0]));
}

// --- Back on the accepting shard --------------------------------------------------

void on_part_reply(shard::Shard& origin, const shard::Message& m) {
  std::unique_ptr<SyncPart> part(reinterpret_cast<SyncPart*>(m.words[0]));
  SyncBatch* batch = part->batch;
  if (part->failed) batch->failed = true;
  for (auto& [index, json] : part->results) batch->results[index] = std::move(json);
  if (--batch->parts_pending == 0)
    answer_batch(ShardState::of(origin), std::unique_ptr<SyncBatch>(batch));
}

}  // namespace

void dispatch_sync(ShardState& st, http::Exchange& ex, const Principal& who, SyncBody body,
                   std::int64_t now_ms) {
  shard::Shard& self = *st.shard;
  const Roster& roster = *st.roster;
  const Services& services = *st.services;
  auto batch = std::make_unique<SyncBatch>();
  batch->results.resize(body.ops.size());
  batch->server_time_ms = now_ms;
  std::map<unsigned, std::unique_ptr<SyncPart>> parts;  // by owner shard
  for (std::size_t i = 0; i < body.ops.size(); ++i) {
    SyncOpBody& op = body.ops[i];
    std::string& result = batch->results[i];
    if (op.error) {
      result = rejected(op.op_id, *op.error);
      continue;
    }
    RoutedOp routed;
    routed.index = i;
    if (op.kind == SyncOpBody::Kind::CheckIn) {
      if (who.role != Role::Student) {
        result = rejected(op.op_id, "forbidden", "only students check in");
        continue;
      }
      const ClassInfo* cls = roster.class_info(ClassId{op.class_id});
      if (cls == nullptr) {
        result = rejected(op.op_id, "class_not_found", "no such class");
        continue;
      }
      if (!roster.enrolled(who.id, cls->id)) {
        result = rejected(op.op_id, "not_enrolled", "you are not enrolled in this class");
        continue;
      }
      routed.cls = cls->id;
      if (op.method == CheckInBody::Method::QrCode) {
        const std::optional<auth::QrToken> t = services.qr.verify(op.qr_token);
        if (!t || class_of(SessionId{t->session_id}) != cls->id) {
          result = rejected(op.op_id, "invalid_code", "this QR code is not valid for this class");
          continue;
        }
        // A QR token is judged against client_time: it must have been current then.
        const std::int64_t at_window =
            auth::qr_window(op.client_time_ms / 1000, services.qr_rotation_s);
        if (!auth::qr_window_accepted(t->window, at_window)) {
          result = rejected(op.op_id, "invalid_code",
                            "this QR code was not the current one at client_time");
          continue;
        }
        routed.session = SessionId{t->session_id};
      }
    } else {
      const SessionId sid{op.session_id};
      const ClassInfo* cls = op.session_id != 0 ? roster.class_info(class_of(sid)) : nullptr;
      if (cls == nullptr) {
        result = rejected(op.op_id, "session_not_found", "no such session");
        continue;
      }
      const Relation rel = roster.relation(who.id, cls->id);
      if (rel != Relation::Teacher && rel != Relation::Admin) {
        result = rejected(op.op_id, "forbidden", "only this class's teachers may do this");
        continue;
      }
      routed.cls = cls->id;
      routed.session = sid;
    }
    const unsigned owner = owner_of(routed.cls, services.data_shards);
    std::unique_ptr<SyncPart>& part = parts[owner];
    if (!part) {
      part = std::make_unique<SyncPart>();
      part->batch = batch.get();
      part->origin = self.id();
      part->user = who.id;
      part->now_ms = now_ms;
      part->latest_ms = now_ms + services.sync_clock_skew_ms;
    }
    routed.op = std::move(op);
    part->ops.push_back(std::move(routed));
  }
  if (parts.empty()) {
    count_outcomes(self.metrics(), *batch);
    return ex.respond(200, "application/json", batch_body(*batch));
  }
  for (const auto& [owner, part] : parts) {
    if (owner != self.id() && !self.can_post(owner)) {
      return ex.respond_error(503, "overloaded", "the server is busy; retry shortly",
                              {{"Retry-After", "1"}});
    }
  }
  batch->deferred = ex.defer();
  batch->parts_pending = static_cast<unsigned>(parts.size());
  static_cast<void>(
      batch.release());  // owned by its parts now: the last reply answers and frees it
  for (auto& [owner, part] : parts) {
    if (owner == self.id()) {
      run_part(st, part.release());
      continue;
    }
    shard::Message m;
    m.fn = on_part;
    m.words[0] = reinterpret_cast<std::uintptr_t>(part.release());
    const bool posted = self.post(owner, m);
    RC_ASSERT(posted);  // can_post said there was room
  }
}

}  // namespace rollcall::api

#include "rollcall/api/class_call.hpp"

#include <algorithm>
#include <memory>

#include "rollcall/api/csv_export.hpp"
#include "rollcall/api/live.hpp"
#include "rollcall/api/serialize.hpp"
#include "rollcall/auth/codes.hpp"
#include "rollcall/auth/qr_svg.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/wal/records.hpp"

namespace rollcall::api {

using namespace domain;
using Kind = ClassCall::Kind;

namespace {

void error(Reply& r, int status, std::string_view code, std::string_view message) {
  r.status = status;
  r.content_type = "application/json";
  r.body.clear();
  http::append_error_body(r.body, code, message);
}

void session_not_found(Reply& r) {
  error(r, 404, "session_not_found", "no such session in this class");
}

void storage_unavailable(Reply& r) {
  error(r, 503, "storage_unavailable", "attendance cannot be saved right now; nothing changed");
}

// Runs `fn(writer)` to build a JSON body.
template <typename Fn>
void json(Reply& r, int status, Fn&& fn) {
  r.status = status;
  r.content_type = "application/json";
  r.body.clear();
  JsonWriter w(r.body);
  fn(w);
}

bool enrolled_in(const ClassInfo& cls, UserId student) {
  return std::binary_search(cls.students.begin(), cls.students.end(), student);
}

struct Ctx {
  ShardState& st;
  ClassCall& call;
  const Roster& roster;
  const ClassInfo& cls;
  ClassAttendance& att;
  std::int64_t now_ms;

  /// Appends the change to the log; the answer waits until it is durable.
  void log(const wal::Record& record) {
    st.log->append(record);
    call.durable = true;
  }
  /// Prepares the live events of what the domain did (published when durable).
  void announce(const std::vector<Event>& events) {
    std::vector<FeedEvent> more = feed_events(roster, cls, att, events, now_ms);
    for (FeedEvent& e : more) call.events.push_back(std::move(e));
  }
};

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

void open_session(Ctx& c) {
  const std::string code = auth::new_verification_code();
  const OpenResult r = c.att.open({c.call.who.id, c.call.late_after_minutes, code, c.now_ms});
  if (r.error == Refusal::SessionAlreadyOpen) {
    return error(c.call.reply, 409, "session_already_open",
                 "this class already has an open session");
  }
  if (r.error != Refusal::None)
    return error(c.call.reply, 409, "too_many_sessions", "this class has no session numbers left");
  c.log(
      wal::SessionOpenedRecord{c.cls.id, c.call.who.id, c.call.late_after_minutes, code, c.now_ms});
  c.announce(r.events);
  json(c.call.reply, 201, [&](JsonWriter& w) { write_session(w, c.cls, *r.session, true); });
}

void current_session(Ctx& c) {
  const Session* s = c.att.open_session();
  if (s == nullptr)
    return error(c.call.reply, 404, "no_open_session", "this class has no open session");
  json(c.call.reply, 200, [&](JsonWriter& w) { write_session(w, c.cls, *s, c.call.staff); });
}

void close_session(Ctx& c) {
  const CloseResult r = c.att.close(c.cls, c.call.session_id, {c.call.who.id, c.now_ms});
  if (r.error == Refusal::SessionNotFound) return session_not_found(c.call.reply);
  if (r.error == Refusal::SessionAlreadyClosed) {
    return error(c.call.reply, 409, "session_already_closed", "this session is already closed");
  }
  std::vector<UserId> marked;
  for (const Event& e : r.events) {
    for (const Record& rec : e.records) marked.push_back(rec.student);
  }
  c.log(wal::SessionClosedRecord{c.cls.id, c.call.session_id, c.call.who.id, std::move(marked),
                                 c.now_ms});
  c.announce(r.events);
  const Session& s = *c.att.session(c.call.session_id);
  json(c.call.reply, 200, [&](JsonWriter& w) {
    w.begin_object().key("session");
    write_session(w, c.cls, s, true);
    w.field("marked_absent", r.marked_absent).end_object();
  });
}

void attendance(Ctx& c) {
  const Session* s = c.att.session(c.call.session_id);
  if (s == nullptr) return session_not_found(c.call.reply);
  json(c.call.reply, 200, [&](JsonWriter& w) {
    w.begin_object().key("session");
    write_session(w, c.cls, *s, c.call.staff);
    w.key("records").begin_array();
    if (c.call.staff) {
      for (const UserId student : c.cls.students)
        write_record(w, c.roster, c.cls, *s, s->record_of(student));
    } else {
      write_record(w, c.roster, c.cls, *s, s->record_of(c.call.who.id));  // only their own
    }
    w.end_array().key("counts");
    write_counts(w, count(c.cls, *s));
    w.end_object();
  });
}

void audit(Ctx& c) {
  const Session* s = c.att.session(c.call.session_id);
  if (s == nullptr) return session_not_found(c.call.reply);
  json(c.call.reply, 200, [&](JsonWriter& w) {
    w.begin_object().key("entries").begin_array();
    for (const AuditEntry& e : s->audit) {
      w.begin_object();
      w.key("at").time_ms(e.at_ms);
      w.field("actor_id", e.actor.value);
      w.field("student_id", e.student.value);
      w.field("from", to_string(e.from));
      w.field("to", to_string(e.to));
      w.field("method", to_string(e.method));
      w.key("reason");
      if (e.reason) {
        w.value(*e.reason);
      } else {
        w.null();
      }
      w.end_object();
    }
    w.end_array().end_object();
  });
}

void qr(Ctx& c) {
  const Session* s = c.att.session(c.call.session_id);
  if (s == nullptr) return session_not_found(c.call.reply);
  if (!s->open) return error(c.call.reply, 410, "session_closed", "this session is closed");
  const std::int64_t rotation_s = c.st.services->qr_rotation_s;
  const std::int64_t window = auth::qr_window(c.now_ms / 1000, rotation_s);
  const std::string token = c.st.services->qr.issue(s->id.value, window);
  const std::string url = c.call.public_base + "/check-in?token=" + token;
  if (c.call.kind == Kind::QrSvg) {
    Result<std::string> svg = auth::render_qr_svg(url);
    if (!svg) return error(c.call.reply, 500, "qr_render_failed", svg.error());
    c.call.reply.status = 200;
    c.call.reply.content_type = "image/svg+xml";
    c.call.reply.body = std::move(*svg);
    return;
  }
  json(c.call.reply, 200, [&](JsonWriter& w) {
    w.begin_object();
    w.field("token", token);
    // Accepted in its own window and the next: it expires when that one ends.
    w.key("expires_at").time_ms((window + 2) * rotation_s * 1000);
    w.key("rotates_at").time_ms((window + 1) * rotation_s * 1000);
    w.field("check_in_url", url);
    w.end_object();
  });
}

void answer_check_in(Ctx& c, const CheckInResult& r) {
  if (r.created) {
    c.log(wal::CheckedInRecord{c.cls.id, c.call.session_id, c.call.who.id, r.record.method,
                               *r.record.check_in_time_ms, r.record.timestamp_ms});
    c.announce(r.events);
  }
  json(c.call.reply, r.created ? 201 : 200, [&](JsonWriter& w) {
    write_record(w, c.roster, c.cls, *c.att.session(c.call.session_id), r.record);
  });
}

void check_in_code(Ctx& c) {
  const Session* s = c.att.open_session();
  if (s == nullptr)
    return error(c.call.reply, 404, "no_open_session", "this class has no open session");
  c.call.session_id = s->id;
  const auth::IdPair key{s->id.value, c.call.who.id.value};
  if (c.st.wrong_codes.blocked(key, c.now_ms)) {
    return error(c.call.reply, 429, "too_many_attempts",
                 "too many wrong codes; wait a few minutes");
  }
  if (!auth::equal_constant_time(c.call.code, s->verification_code)) {
    // An earlier check-in (or a teacher's decision) stands even if the code is wrong now.
    const Record current = s->record_of(c.call.who.id);
    if (current.status != AttendanceStatus::Unmarked)
      return answer_check_in(c, CheckInResult{Refusal::None, false, current, {}});
    c.st.wrong_codes.record_failure(key, c.now_ms);
    return error(c.call.reply, 422, "invalid_code", "that code is not this session's code");
  }
  const CheckInResult r =
      c.att.check_in(c.cls, s->id, {c.call.who.id, Method::VerificationCode, c.now_ms, c.now_ms});
  if (r.error == Refusal::NotEnrolled)
    return error(c.call.reply, 403, "not_enrolled", "you are not enrolled in this class");
  answer_check_in(c, r);
}

void check_in_qr(Ctx& c) {
  const Session* s = c.att.session(c.call.session_id);
  if (s == nullptr)
    return error(c.call.reply, 404, "no_open_session", "the code's session does not exist");
  if (!enrolled_in(c.cls, c.call.who.id)) {
    return error(c.call.reply, 403, "not_enrolled", "you are not enrolled in this class");
  }
  const Record current = s->record_of(c.call.who.id);
  if (!s->open && current.status == AttendanceStatus::Unmarked) {
    return error(c.call.reply, 410, "session_closed", "this session is closed");
  }
  const std::int64_t window = auth::qr_window(c.now_ms / 1000, c.st.services->qr_rotation_s);
  if (current.status == AttendanceStatus::Unmarked &&
      !auth::qr_window_accepted(c.call.qr_window, window)) {
    return error(c.call.reply, 422, "invalid_code",
                 "this QR code has expired; scan the current one");
  }
  const CheckInResult r =
      c.att.check_in(c.cls, s->id, {c.call.who.id, Method::QrCode, c.now_ms, c.now_ms});
  if (r.error == Refusal::SessionClosed)
    return error(c.call.reply, 410, "session_closed", "this session is closed");
  answer_check_in(c, r);
}

void override_record(Ctx& c) {
  const RecordResult r = c.att.override_record(
      c.cls, c.call.session_id,
      {c.call.who.id, c.call.student, c.call.status, c.call.reason, c.now_ms});
  if (r.error == Refusal::SessionNotFound) return session_not_found(c.call.reply);
  if (r.error == Refusal::UnknownStudent) {
    return error(c.call.reply, 404, "student_not_found", "no such student in this class");
  }
  if (!r.superseded) {  // (else a later synced override stands: answered with it, nothing to log)
    c.log(wal::OverriddenRecord{c.cls.id, c.call.session_id, c.call.who.id, c.call.student,
                                c.call.status, c.call.reason, c.now_ms});
    c.announce(r.events);
  }
  json(c.call.reply, 200, [&](JsonWriter& w) {
    write_record(w, c.roster, c.cls, *c.att.session(c.call.session_id), r.record);
  });
}

void bulk(Ctx& c) {
  const BulkResult r = c.att.bulk(c.cls, c.call.session_id,
                                  {c.call.who.id, c.call.bulk, c.call.mark_remaining, c.now_ms});
  if (r.error == Refusal::SessionNotFound) return session_not_found(c.call.reply);
  if (r.error == Refusal::UnknownStudent) {
    return error(c.call.reply, 422, "unknown_student",
                 "student " + std::to_string(r.offending_student.value) +
                     " is not in this class; nothing changed");
  }
  if (r.error == Refusal::DuplicateStudent) {
    return error(
        c.call.reply, 422, "duplicate_student",
        "student " + std::to_string(r.offending_student.value) + " appears twice; nothing changed");
  }
  if (r.error != Refusal::None)
    return error(c.call.reply, 422, "invalid_status", "unknown status; nothing changed");
  // The changed records are the applied updates (in order) followed by the remaining ones.
  std::vector<UserId> remaining;
  for (std::size_t i = r.updates_applied.size(); i < r.changed.size(); ++i)
    remaining.push_back(r.changed[i].student);
  c.log(wal::BulkAppliedRecord{c.cls.id, c.call.session_id, c.call.who.id, r.updates_applied,
                               c.call.mark_remaining, std::move(remaining), c.now_ms});
  c.announce(r.events);
  const Session& s = *c.att.session(c.call.session_id);
  json(c.call.reply, 200, [&](JsonWriter& w) {
    w.begin_object();
    w.field("updated", static_cast<std::uint64_t>(r.changed.size()));
    w.key("records").begin_array();
    for (const Record& rec : r.changed) write_record(w, c.roster, c.cls, s, rec);
    w.end_array().key("counts");
    write_counts(w, count(c.cls, s));
    w.end_object();
  });
}

void export_csv(Ctx& c) {
  c.call.reply.status = 200;
  c.call.reply.content_type = "text/csv; charset=utf-8";
  c.call.reply.content_disposition =
      "attachment; filename=\"class-" + std::to_string(c.cls.id.value) + "-attendance.csv\"";
  c.call.reply.body.clear();
  write_attendance_csv(c.call.reply.body, c.roster, c.cls, c.att, c.call.from_day, c.call.to_day);
}

}  // namespace

void run_class_call(ShardState& st, ClassCall& call) {
  const Roster& roster = *st.roster;
  const ClassInfo* cls = roster.class_info(call.class_id);
  if (cls == nullptr) return error(call.reply, 404, "class_not_found", "no such class");
  // A class whose last change could not be made durable answers nothing until a
  // restart has recovered what is durable; a failed log takes no more writes.
  if (st.tainted.count(call.class_id) != 0) return storage_unavailable(call.reply);
  if (mutates(call.kind) && !st.log->healthy()) return storage_unavailable(call.reply);
  Ctx c{st, call, roster, *cls, st.attendance(call.class_id), wall_ms()};
  switch (call.kind) {
    case Kind::OpenSession: return open_session(c);
    case Kind::CurrentSession: return current_session(c);
    case Kind::CloseSession: return close_session(c);
    case Kind::Attendance: return attendance(c);
    case Kind::Audit: return audit(c);
    case Kind::Qr:
    case Kind::QrSvg: return qr(c);
    case Kind::CheckInCode: return check_in_code(c);
    case Kind::CheckInQr: return check_in_qr(c);
    case Kind::Override: return override_record(c);
    case Kind::Bulk: return bulk(c);
    case Kind::ExportCsv: return export_csv(c);
  }
}

namespace {

void on_class_reply(shard::Shard& origin, const shard::Message& m);

void answer(http::Exchange& ex, const Reply& r) {
  if (!r.content_disposition.empty()) {
    ex.respond(r.status, r.content_type, r.body, {{"Content-Disposition", r.content_disposition}});
  } else {
    ex.respond(r.status, r.content_type, r.body);
  }
}

// Sends the finished call back to the shard that accepted it, or answers it here.
void deliver(ShardState& owner, ClassCall* call) {
  shard::Shard& self = *owner.shard;
  if (call->origin_shard == self.id()) {
    std::unique_ptr<ClassCall> owned(call);
    net::Connection* c = self.connections().find(owned->deferred.connection);
    if (c == nullptr) return;  // the client left; the change stands
    const Reply& r = owned->reply;
    if (!r.content_disposition.empty()) {
      owner.http->complete(self, *c, owned->deferred, r.status, r.content_type, r.body,
                           {{"Content-Disposition", r.content_disposition}});
    } else {
      owner.http->complete(self, *c, owned->deferred, r.status, r.content_type, r.body);
    }
    return;
  }
  shard::Message back;
  back.fn = on_class_reply;
  back.words[0] = reinterpret_cast<std::uintptr_t>(call);
  // A reply must not be lost: the change it reports has been made.
  self.post(call->origin_shard, back, shard::Shard::PostMode::Always);
}

// Runs on the owner once the call's log record is durable, or can never be.
void on_durable(void* arg, bool ok) {
  auto* call = static_cast<ClassCall*>(arg);
  if (!ok) {
    // The change is in memory but not on disk: never let anyone see it.
    if (call->durable) call->owner->tainted.insert(call->class_id);
    storage_unavailable(call->reply);
  } else {
    // Durable: now the world may hear of it (a broadcast never fails the call).
    publish_events(*call->owner, call->class_id, call->events);
  }
  deliver(*call->owner, call);
}

// A write's answer waits for the log even when it appended nothing itself: a
// repeated check-in answers with a record whose own append may still be in flight.
bool waits_for_log(const ClassCall& call) {
  return call.durable || mutates(call.kind);
}

// Finishes a call that ran on its owner: now, or once the log holds what it reports.
void finish_on_owner(ShardState& owner, ClassCall* call) {
  if (waits_for_log(*call)) {
    call->owner = &owner;
    owner.log->when_durable(wal::Waiter{on_durable, call});
    return;
  }
  deliver(owner, call);
}

void on_class_call(shard::Shard& owner, const shard::Message& m) {
  auto* call = reinterpret_cast<ClassCall*>(m.words[0]);
  ShardState& st = ShardState::of(owner);
  run_class_call(st, *call);
  finish_on_owner(st, call);
}

void on_class_reply(shard::Shard& origin, const shard::Message& m) {
  std::unique_ptr<ClassCall> call(reinterpret_cast<ClassCall*>(m.words[0]));
  ShardState& st = ShardState::of(origin);
  net::Connection* c = origin.connections().find(call->deferred.connection);
  if (c == nullptr) return;  // the client left; the change (if any) stands
  const Reply& r = call->reply;
  if (!r.content_disposition.empty()) {
    st.http->complete(origin, *c, call->deferred, r.status, r.content_type, r.body,
                      {{"Content-Disposition", r.content_disposition}});
  } else {
    st.http->complete(origin, *c, call->deferred, r.status, r.content_type, r.body);
  }
}

}  // namespace

void dispatch_class_call(ShardState& st, http::Exchange& ex, ClassCall call) {
  shard::Shard& self = *st.shard;
  const unsigned owner = owner_of(call.class_id, st.services->data_shards);
  if (owner == self.id()) {
    run_class_call(st, call);  // shard-local: no detour
    if (!waits_for_log(call)) {
      answer(ex, call.reply);
      return;
    }
    // The answer waits for the log: hold the request until the group commit.
    auto heap = std::make_unique<ClassCall>(std::move(call));
    heap->origin_shard = self.id();
    heap->deferred = ex.defer();
    finish_on_owner(st, heap.release());
    return;
  }
  if (!self.can_post(owner)) {
    ex.respond_error(503, "overloaded", "the server is busy; retry shortly",
                     {{"Retry-After", "1"}});
    return;
  }
  auto heap = std::make_unique<ClassCall>(std::move(call));
  heap->origin_shard = self.id();
  heap->deferred = ex.defer();
  shard::Message m;
  m.fn = on_class_call;
  m.words[0] = reinterpret_cast<std::uintptr_t>(heap.release());
  const bool posted = self.post(owner, m);
  RC_ASSERT(posted);  // can_post said there was room
}

}  // namespace rollcall::api

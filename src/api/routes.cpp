// The REST handlers of API.md §1–4: authenticate, parse, check the roster, then
// answer from the shard's roster snapshot or hand a ClassCall to the class's owner.

#include "rollcall/api/routes.hpp"

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/class_call.hpp"
#include "rollcall/api/csv_export.hpp"
#include "rollcall/api/live.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/api/roster_calls.hpp"
#include "rollcall/api/serialize.hpp"
#include "rollcall/api/sync_call.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_writer.hpp"

namespace rollcall::api {

using namespace domain;
using Kind = ClassCall::Kind;

namespace {

ShardState& state(void* ctx) {
  return *static_cast<ShardState*>(ctx);
}

// ---------------------------------------------------------------------------
// Access checks against the shard's roster snapshot

struct ClassAccess {
  const ClassInfo* cls = nullptr;
  Relation relation = Relation::None;
};

/// The class and how the caller relates to it; answers 404/403 and returns
/// nullopt when the caller may not go on.
std::optional<ClassAccess> class_access(ShardState& st, http::Exchange& ex, const Principal& p,
                                        ClassId id, bool staff_only,
                                        std::string_view missing_code = "class_not_found") {
  const ClassInfo* cls = id ? st.roster->class_info(id) : nullptr;
  if (cls == nullptr) {
    ex.respond_error(404, missing_code,
                     missing_code == "class_not_found" ? "no such class" : "no such session");
    return std::nullopt;
  }
  const Relation rel = st.roster->relation(p.id, id);
  const bool staff = rel == Relation::Teacher || rel == Relation::Admin;
  if (rel == Relation::None || (staff_only && !staff)) {
    ex.respond_error(403, "forbidden",
                     staff_only ? "only this class's teachers may do this"
                                : "you are not a member of this class");
    return std::nullopt;
  }
  return ClassAccess{cls, rel};
}

/// Starts a ClassCall for `/classes/{class_id}/...`.
std::optional<ClassCall> class_call(ShardState& st, http::Exchange& ex, Kind kind,
                                    bool staff_only) {
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return std::nullopt;
  const std::optional<std::uint64_t> id = ex.params.id(0);
  const auto access = class_access(st, ex, *p, ClassId{id.value_or(0)}, staff_only);
  if (!access) return std::nullopt;
  ClassCall call;
  call.kind = kind;
  call.who = *p;
  call.class_id = access->cls->id;
  call.staff = access->relation != Relation::Student;
  return call;
}

/// Starts a ClassCall for `/sessions/{session_id}/...` (the class is in the id).
std::optional<ClassCall> session_call(ShardState& st, http::Exchange& ex, Kind kind,
                                      bool staff_only) {
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return std::nullopt;
  const std::optional<std::uint64_t> id = ex.params.id(0);
  const SessionId sid{id.value_or(0)};
  const auto access =
      class_access(st, ex, *p, id ? class_of(sid) : ClassId{}, staff_only, "session_not_found");
  if (!access) return std::nullopt;
  ClassCall call;
  call.kind = kind;
  call.who = *p;
  call.class_id = access->cls->id;
  call.session_id = sid;
  call.staff = access->relation != Relation::Student;
  return call;
}

// ---------------------------------------------------------------------------
// Roster-only answers (no owner needed)

void list_classes(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return;
  std::string& body = ex.scratch();
  JsonWriter w(body);
  w.begin_object().key("classes").begin_array();
  auto write = [&](const ClassInfo& c, std::string_view role) {
    w.begin_object().field("id", c.id.value).field("name", c.name).field("role", role).end_object();
  };
  if (p->role == Role::Admin) {
    for (const ClassInfo* c : st.roster->classes()) write(*c, "admin");
  } else {
    for (const ClassId id : p->user->classes) {
      if (const ClassInfo* c = st.roster->class_info(id)) write(*c, to_string(p->role));
    }
  }
  w.end_array().end_object();
  ex.respond_json(200, body);
}

void get_class(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return;
  const auto access = class_access(st, ex, *p, ClassId{ex.params.id(0).value_or(0)}, false);
  if (!access) return;
  const ClassInfo& c = *access->cls;
  const bool staff = access->relation != Relation::Student;
  std::string& body = ex.scratch();
  JsonWriter w(body);
  w.begin_object().field("id", c.id.value).field("name", c.name);
  w.key("teachers").begin_array();
  for (const UserId t : c.teachers) {
    const User* u = st.roster->user(t);
    w.begin_object()
        .field("id", t.value)
        .field("name", u != nullptr ? u->name : std::string())
        .end_object();
  }
  w.end_array();
  w.field("student_count", static_cast<std::uint64_t>(c.students.size()));
  if (staff) {
    w.field("join_code", c.join_code);
    w.key("students").begin_array();
    for (const UserId s : c.students) {
      const User* u = st.roster->user(s);
      w.begin_object()
          .field("id", s.value)
          .field("name", u != nullptr ? u->name : std::string())
          .end_object();
    }
    w.end_array();
  }
  w.end_object();
  ex.respond_json(200, body);
}

// ---------------------------------------------------------------------------
// Sessions

void open_session(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  std::optional<ClassCall> call = class_call(st, ex, Kind::OpenSession, true);
  if (!call) return;
  OpenSessionBody body;
  if (auto err = parse_open_session(st.json, ex.body, body)) return respond(ex, *err);
  call->late_after_minutes = body.late_after_minutes;
  dispatch_class_call(st, ex, std::move(*call));
}

void current_session(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  if (std::optional<ClassCall> call = class_call(st, ex, Kind::CurrentSession, false)) {
    dispatch_class_call(st, ex, std::move(*call));
  }
}

template <Kind K, bool StaffOnly>
void simple_session_call(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  if (std::optional<ClassCall> call = session_call(st, ex, K, StaffOnly)) {
    dispatch_class_call(st, ex, std::move(*call));
  }
}

void qr(void* ctx, http::Exchange& ex, Kind kind) {
  ShardState& st = state(ctx);
  std::optional<ClassCall> call = session_call(st, ex, kind, true);
  if (!call) return;
  if (!st.services->public_url.empty()) {
    call->public_base = st.services->public_url;
  } else {
    const std::string_view host = ex.request.header("host");
    call->public_base = "http://" + std::string(host.empty() ? "localhost" : host);
  }
  dispatch_class_call(st, ex, std::move(*call));
}
void qr_json(void* ctx, http::Exchange& ex) {
  qr(ctx, ex, Kind::Qr);
}
void qr_svg(void* ctx, http::Exchange& ex) {
  qr(ctx, ex, Kind::QrSvg);
}

// ---------------------------------------------------------------------------
// Check-in, override, bulk

void check_in(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return;
  if (p->role != Role::Student) return ex.respond_error(403, "forbidden", "only students check in");
  CheckInBody body;
  if (auto err = parse_check_in(st.json, ex.body, body)) return respond(ex, *err);
  ClassCall call;
  call.who = *p;
  if (body.method == CheckInBody::Method::VerificationCode) {
    const ClassInfo* cls = st.roster->class_info(ClassId{body.class_id});
    if (cls == nullptr) return ex.respond_error(404, "class_not_found", "no such class");
    if (!st.roster->enrolled(p->id, cls->id)) {
      return ex.respond_error(403, "not_enrolled", "you are not enrolled in this class");
    }
    call.kind = Kind::CheckInCode;
    call.class_id = cls->id;
    call.code = std::move(body.code);
  } else {
    const std::optional<auth::QrToken> t = st.services->qr.verify(body.qr_token);
    if (!t) return ex.respond_error(422, "invalid_code", "this QR code is not valid");
    const SessionId sid{t->session_id};
    const ClassInfo* cls = st.roster->class_info(class_of(sid));
    if (cls == nullptr) return ex.respond_error(422, "invalid_code", "this QR code is not valid");
    if (!st.roster->enrolled(p->id, cls->id)) {
      return ex.respond_error(403, "not_enrolled", "you are not enrolled in this class");
    }
    call.kind = Kind::CheckInQr;
    call.class_id = cls->id;
    call.session_id = sid;
    call.qr_window = t->window;
  }
  dispatch_class_call(st, ex, std::move(call));
}

void sync(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return;
  SyncBody body;
  if (auto err = parse_sync(st.json, ex.body, body)) return respond(ex, *err);
  dispatch_sync(st, ex, *p, std::move(body), wall_ms());
}

void override_record(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  std::optional<ClassCall> call = session_call(st, ex, Kind::Override, true);
  if (!call) return;
  const std::optional<std::uint64_t> student = ex.params.id(1);
  if (!student) return ex.respond_error(404, "student_not_found", "no such student in this class");
  call->student = UserId{*student};
  OverrideBody body;
  if (auto err = parse_override(st.json, ex.body, body)) return respond(ex, *err);
  call->status = body.status;
  call->reason = std::move(body.reason);
  dispatch_class_call(st, ex, std::move(*call));
}

void bulk(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  std::optional<ClassCall> call = session_call(st, ex, Kind::Bulk, true);
  if (!call) return;
  BulkBody body;
  if (auto err = parse_bulk(st.json, ex.body, body)) return respond(ex, *err);
  call->bulk = std::move(body.updates);
  call->mark_remaining = body.mark_remaining;
  dispatch_class_call(st, ex, std::move(*call));
}

// ---------------------------------------------------------------------------
// CSV export

// Value of query parameter `name` in `query` ("a=1&b=2"), or nullopt.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

void export_csv(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  std::optional<ClassCall> call = class_call(st, ex, Kind::ExportCsv, true);
  if (!call) return;
  for (const std::string_view name : {std::string_view("from"), std::string_view("to")}) {
    const std::optional<std::string_view> v = query_param(ex.request.query, name);
    if (!v) continue;
    const std::optional<std::int64_t> day = parse_day(*v);
    if (!day) return respond(ex, invalid_field(name, "expected a date YYYY-MM-DD"));
    (name == "from" ? call->from_day : call->to_day) = *day;
  }
  if (call->from_day > call->to_day) return respond(ex, invalid_field("from", "is after to"));
  dispatch_class_call(st, ex, std::move(*call));
}

void ws_attendance(void* ctx, http::Exchange& ex) {
  state(ctx).live->upgrade_attendance(ex);
}
void ws_echo(void* ctx, http::Exchange& ex) {
  state(ctx).live->upgrade_echo(ex);
}

}  // namespace

void add_live_routes(http::Router& router, ShardState& st, bool echo) {
  router.add("GET", "/ws/attendance/{class_id}", {ws_attendance, &st});
  if (echo) router.add("GET", "/ws/echo", {ws_echo, &st});
}

void add_api_routes(http::Router& router, ShardState& st) {
  void* ctx = &st;
  router.add("POST", "/api/v1/auth/login", {login, ctx});
  router.add("GET", "/api/v1/classes", {list_classes, ctx});
  router.add("POST", "/api/v1/classes/join", {join_class, ctx});
  router.add("GET", "/api/v1/classes/{class_id}", {get_class, ctx});
  router.add("POST", "/api/v1/classes/{class_id}/sessions", {open_session, ctx});
  router.add("GET", "/api/v1/classes/{class_id}/sessions/current", {current_session, ctx});
  router.add("GET", "/api/v1/classes/{class_id}/attendance.csv", {export_csv, ctx});
  router.add("POST", "/api/v1/sessions/{session_id}/close",
             {simple_session_call<Kind::CloseSession, true>, ctx});
  router.add("GET", "/api/v1/sessions/{session_id}/attendance",
             {simple_session_call<Kind::Attendance, false>, ctx});
  router.add("GET", "/api/v1/sessions/{session_id}/audit",
             {simple_session_call<Kind::Audit, true>, ctx});
  router.add("GET", "/api/v1/sessions/{session_id}/qr", {qr_json, ctx});
  router.add("GET", "/api/v1/sessions/{session_id}/qr.svg", {qr_svg, ctx});
  router.add("PUT", "/api/v1/sessions/{session_id}/attendance/{student_id}",
             {override_record, ctx});
  router.add("POST", "/api/v1/sync", {sync, ctx});
  router.add("POST", "/api/v1/sessions/{session_id}/attendance/bulk", {bulk, ctx});
  router.add("POST", "/api/v1/attendance/check-in", {check_in, ctx});
}

}  // namespace rollcall::api

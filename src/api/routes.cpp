// The REST handlers of API.md §1–4: authenticate, parse, check the roster, then
// answer from the shard's roster snapshot or hand a ClassCall to the class's owner.

#include "rollcall/api/routes.hpp"

#include "rollcall/api/class_call.hpp"
#include "rollcall/api/csv_export.hpp"
#include "rollcall/api/json_writer.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/api/roster_calls.hpp"
#include "rollcall/api/serialize.hpp"
#include "rollcall/common/clock.hpp"

namespace rollcall::api {

using namespace domain;
using Kind = ClassCall::Kind;

namespace {

constexpr std::size_t kReasonBytesMax = 500;
constexpr std::size_t kBulkItemsMax = 10'000;
constexpr std::uint64_t kLateAfterMinutesMax = 24 * 60;

ShardState& state(void* ctx) { return *static_cast<ShardState*>(ctx); }

// ---------------------------------------------------------------------------
// Access checks against the shard's roster snapshot

struct ClassAccess {
  const ClassInfo* cls = nullptr;
  Relation relation = Relation::None;
};

/// The class and how the caller relates to it; answers 404/403 and returns
/// nullopt when the caller may not go on.
std::optional<ClassAccess> class_access(ShardState& st, http::Exchange& ex, const Principal& p, ClassId id,
                                        bool staff_only, std::string_view missing_code = "class_not_found") {
  const ClassInfo* cls = id ? st.roster->class_info(id) : nullptr;
  if (cls == nullptr) {
    ex.respond_error(404, missing_code, missing_code == "class_not_found" ? "no such class" : "no such session");
    return std::nullopt;
  }
  const Relation rel = st.roster->relation(p.id, id);
  const bool staff = rel == Relation::Teacher || rel == Relation::Admin;
  if (rel == Relation::None || (staff_only && !staff)) {
    ex.respond_error(403, "forbidden", staff_only ? "only this class's teachers may do this"
                                                  : "you are not a member of this class");
    return std::nullopt;
  }
  return ClassAccess{cls, rel};
}

/// Starts a ClassCall for `/classes/{class_id}/...`.
std::optional<ClassCall> class_call(ShardState& st, http::Exchange& ex, Kind kind, bool staff_only) {
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
std::optional<ClassCall> session_call(ShardState& st, http::Exchange& ex, Kind kind, bool staff_only) {
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return std::nullopt;
  const std::optional<std::uint64_t> id = ex.params.id(0);
  const SessionId sid{id.value_or(0)};
  const auto access = class_access(st, ex, *p, id ? class_of(sid) : ClassId{}, staff_only, "session_not_found");
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
    w.begin_object().field("id", t.value).field("name", u != nullptr ? u->name : std::string()).end_object();
  }
  w.end_array();
  w.field("student_count", static_cast<std::uint64_t>(c.students.size()));
  if (staff) {
    w.field("join_code", c.join_code);
    w.key("students").begin_array();
    for (const UserId s : c.students) {
      const User* u = st.roster->user(s);
      w.begin_object().field("id", s.value).field("name", u != nullptr ? u->name : std::string()).end_object();
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
  if (!ex.body.empty()) {
    std::uint64_t late = call->late_after_minutes;
    const auto err = parse_object(st, ex.body, [&](std::string_view key, simdjson::ondemand::value v)
                                                   -> std::optional<ApiError> {
      if (key == "late_after_minutes") return read_uint(v, key, kLateAfterMinutesMax, late);
      return std::nullopt;
    });
    if (err) return respond(ex, *err);
    call->late_after_minutes = static_cast<std::uint32_t>(late);
  }
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
void qr_json(void* ctx, http::Exchange& ex) { qr(ctx, ex, Kind::Qr); }
void qr_svg(void* ctx, http::Exchange& ex) { qr(ctx, ex, Kind::QrSvg); }

// ---------------------------------------------------------------------------
// Check-in, override, bulk

void check_in(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  const std::optional<Principal> p = authenticate(st, ex);
  if (!p) return;
  if (p->role != Role::Student) return ex.respond_error(403, "forbidden", "only students check in");
  std::string method, code, qr_token;
  std::uint64_t class_id = 0;
  bool has_method = false, has_class = false, has_code = false, has_token = false;
  const auto err = parse_object(st, ex.body, [&](std::string_view key, simdjson::ondemand::value v)
                                                 -> std::optional<ApiError> {
    if (key == "method") return has_method = true, read_string(v, key, 32, method);
    if (key == "class_id") return has_class = true, read_id(v, key, class_id);
    if (key == "code") return has_code = true, read_string(v, key, 32, code);
    if (key == "qr_token") return has_token = true, read_string(v, key, 256, qr_token);
    return std::nullopt;
  });
  if (err) return respond(ex, *err);
  if (!has_method) return respond(ex, invalid_field("method", "required"));
  ClassCall call;
  call.who = *p;
  if (method == "verification_code") {
    if (!has_class) return respond(ex, invalid_field("class_id", "required"));
    if (!has_code) return respond(ex, invalid_field("code", "required"));
    const ClassInfo* cls = st.roster->class_info(ClassId{class_id});
    if (cls == nullptr) return ex.respond_error(404, "class_not_found", "no such class");
    if (!st.roster->enrolled(p->id, cls->id)) {
      return ex.respond_error(403, "not_enrolled", "you are not enrolled in this class");
    }
    call.kind = Kind::CheckInCode;
    call.class_id = cls->id;
    call.code = std::move(code);
  } else if (method == "qr_code") {
    if (!has_token) return respond(ex, invalid_field("qr_token", "required"));
    const std::optional<auth::QrToken> t = st.services->qr.verify(qr_token);
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
  } else {
    return respond(ex, invalid_field("method", "expected qr_code or verification_code"));
  }
  dispatch_class_call(st, ex, std::move(call));
}

void override_record(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  std::optional<ClassCall> call = session_call(st, ex, Kind::Override, true);
  if (!call) return;
  const std::optional<std::uint64_t> student = ex.params.id(1);
  if (!student) return ex.respond_error(404, "student_not_found", "no such student in this class");
  call->student = UserId{*student};
  bool has_status = false;
  const auto err = parse_object(st, ex.body, [&](std::string_view key, simdjson::ondemand::value v)
                                                 -> std::optional<ApiError> {
    if (key == "status") return has_status = true, read_status(v, key, call->status);
    if (key == "reason") return read_optional_string(v, key, kReasonBytesMax, call->reason);
    return std::nullopt;
  });
  if (err) return respond(ex, *err);
  if (!has_status) return respond(ex, invalid_field("status", "required"));
  dispatch_class_call(st, ex, std::move(*call));
}

std::optional<ApiError> read_bulk_item(simdjson::ondemand::value v, std::size_t index, BulkItem& item) {
  const std::string where = "updates[" + std::to_string(index) + "]";
  simdjson::ondemand::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return invalid_field(where, "expected an object");
  bool has_student = false, has_status = false;
  for (auto member : obj) {
    simdjson::ondemand::field f;
    std::string_view key;
    if (std::move(member).get(f) != simdjson::SUCCESS || f.unescaped_key().get(key) != simdjson::SUCCESS) {
      return invalid_json();
    }
    std::optional<ApiError> e;
    if (key == "student_id") {
      std::uint64_t id = 0;
      e = read_id(f.value(), where + ".student_id", id);
      item.student = UserId{id};
      has_student = true;
    } else if (key == "status") {
      e = read_status(f.value(), where + ".status", item.status);
      has_status = true;
    } else if (key == "reason") {
      e = read_optional_string(f.value(), where + ".reason", kReasonBytesMax, item.reason);
    }
    if (e) return e;
  }
  if (!has_student) return invalid_field(where + ".student_id", "required");
  if (!has_status) return invalid_field(where + ".status", "required");
  return std::nullopt;
}

void bulk(void* ctx, http::Exchange& ex) {
  ShardState& st = state(ctx);
  std::optional<ClassCall> call = session_call(st, ex, Kind::Bulk, true);
  if (!call) return;
  const auto err = parse_object(st, ex.body, [&](std::string_view key, simdjson::ondemand::value v)
                                                 -> std::optional<ApiError> {
    if (key == "updates") {
      simdjson::ondemand::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return invalid_field(key, "expected an array");
      for (auto element : arr) {
        simdjson::ondemand::value item_value;
        if (std::move(element).get(item_value) != simdjson::SUCCESS) return invalid_json();
        if (call->bulk.size() >= kBulkItemsMax) return invalid_field(key, "more than 10000 updates");
        BulkItem item;
        if (auto e = read_bulk_item(item_value, call->bulk.size(), item)) return e;
        call->bulk.push_back(std::move(item));
      }
      return std::nullopt;
    }
    if (key == "mark_remaining") {
      bool is_null = false;
      if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) return std::nullopt;
      AttendanceStatus s;
      if (auto e = read_status(v, key, s)) return e;
      call->mark_remaining = s;
    }
    return std::nullopt;
  });
  if (err) return respond(ex, *err);
  if (call->bulk.empty() && !call->mark_remaining) {
    return respond(ex, invalid_field("updates", "give updates and/or mark_remaining"));
  }
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
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
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

}  // namespace

void add_api_routes(http::Router& router, ShardState& st) {
  void* ctx = &st;
  router.add("POST", "/api/v1/auth/login", {login, ctx});
  router.add("GET", "/api/v1/classes", {list_classes, ctx});
  router.add("POST", "/api/v1/classes/join", {join_class, ctx});
  router.add("GET", "/api/v1/classes/{class_id}", {get_class, ctx});
  router.add("POST", "/api/v1/classes/{class_id}/sessions", {open_session, ctx});
  router.add("GET", "/api/v1/classes/{class_id}/sessions/current", {current_session, ctx});
  router.add("GET", "/api/v1/classes/{class_id}/attendance.csv", {export_csv, ctx});
  router.add("POST", "/api/v1/sessions/{session_id}/close", {simple_session_call<Kind::CloseSession, true>, ctx});
  router.add("GET", "/api/v1/sessions/{session_id}/attendance", {simple_session_call<Kind::Attendance, false>, ctx});
  router.add("GET", "/api/v1/sessions/{session_id}/audit", {simple_session_call<Kind::Audit, true>, ctx});
  router.add("GET", "/api/v1/sessions/{session_id}/qr", {qr_json, ctx});
  router.add("GET", "/api/v1/sessions/{session_id}/qr.svg", {qr_svg, ctx});
  router.add("PUT", "/api/v1/sessions/{session_id}/attendance/{student_id}", {override_record, ctx});
  router.add("POST", "/api/v1/sessions/{session_id}/attendance/bulk", {bulk, ctx});
  router.add("POST", "/api/v1/attendance/check-in", {check_in, ctx});
}

}  // namespace rollcall::api

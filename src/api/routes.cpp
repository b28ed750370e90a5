// The route table of the API (API.md §1-6) and the handlers that answer from the
// accepting shard's roster alone; class- and session-scoped ones are in
// class_routes.cpp, sync, login and join in their own files.

#include "rollcall/api/routes.hpp"

#include <charconv>

#include "rollcall/api/admin_users.hpp"
#include "rollcall/api/bodies.hpp"
#include "rollcall/api/history_reads.hpp"
#include "rollcall/api/join.hpp"
#include "rollcall/api/login.hpp"
#include "rollcall/api/push_routes.hpp"
#include "rollcall/api/refresh.hpp"
#include "rollcall/api/reply.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/api/sync.hpp"
#include "rollcall/common/clock.hpp"
#include "src/api/class_routes.hpp"

namespace rollcall::api {

using namespace domain;
using Kind = ClassRequest::Kind;

namespace {

Answer list_classes(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  return json_reply(200, [&](JsonWriter& w) {
    w.begin_object().key("classes").begin_array();
    auto write = [&](const ClassInfo& c, std::string_view role) {
      w.begin_object()
          .field("id", c.id.value)
          .field("name", c.name)
          .field("role", role)
          .end_object();
    };
    if (who->role == Role::Admin) {
      for (const ClassInfo* c : api.roster().classes()) write(*c, "admin");
    } else {
      for (const ClassId id : who->user->classes) {
        if (const ClassInfo* c = api.roster().class_info(id)) write(*c, to_string(who->role));
      }
    }
    w.end_array().end_object();
  });
}

void write_people(JsonWriter& w, const Roster& roster, const std::vector<UserId>& ids) {
  w.begin_array();
  for (const UserId id : ids) {
    const User* u = roster.user(id);
    w.begin_object().field("id", id.value);
    w.field("name", u != nullptr ? std::string_view(u->name) : std::string_view()).end_object();
  }
  w.end_array();
}

Answer get_class(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  auto access =
      class_access(api, *who, ClassId{ex.params.id(0).value_or(0)}, false, wire::class_not_found());
  if (!access) return access.error();
  const ClassInfo& c = *access->cls;
  return json_reply(200, [&](JsonWriter& w) {
    w.begin_object().field("id", c.id.value).field("name", c.name).key("teachers");
    write_people(w, api.roster(), c.teachers);
    w.field("student_count", static_cast<std::uint64_t>(c.students.size()));
    if (access->staff()) {
      w.field("join_code", c.join_code).key("students");
      write_people(w, api.roster(), c.students);
    }
    w.end_object();
  });
}

Answer sync(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  SyncBody body;
  if (auto err = parse_sync(api.json, ex.body, body)) return *err;
  return dispatch_sync(api, ex, *who, std::move(body), wall_ms());
}

Answer join(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  return join_class(api, ex, *who);
}

// `since` + `epoch` of a resuming subscriber (API.md §5).
std::optional<wire::Error> read_resume(const http::Exchange& ex, live::Subscription& s) {
  const std::optional<std::string_view> since = query_param(ex.request.query, "since");
  if (!since) return std::nullopt;
  const std::optional<std::string_view> epoch = query_param(ex.request.query, "epoch");
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(since->data(), since->data() + since->size(), n);
  if (ec != std::errc() || end != since->data() + since->size()) {
    return wire::Error{400, "bad_resume", "since must be a non-negative integer (a seq)"};
  }
  // An epoch of any other form is simply not this history's: a fresh snapshot
  // (recovered: false), never a refusal that would lock the client out.
  if (epoch && live::parse_epoch(*epoch, s.epoch)) s.since = n;
  return std::nullopt;
}

// The token comes in the query: browsers cannot set headers on a WebSocket.
Answer ws_attendance(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who =
      authenticate(api, query_param(ex.request.query, "token").value_or(""));
  if (!who) return who.error();
  auto access =
      class_access(api, *who, ClassId{ex.params.id(0).value_or(0)}, false, wire::class_not_found());
  if (!access) return access.error();
  live::Subscription s{access->cls->id, who->id, who->role,        access->staff(),
                       std::nullopt,    0,       who->expires_at_s};
  if (auto err = read_resume(ex, s)) return *err;
  if (auto err = api.live.subscribe(ex, s)) return *err;
  return Handled{};
}

Answer ws_echo(ShardApi& api, http::Exchange& ex) {
  if (auto err = api.live.echo(ex)) return *err;
  return Handled{};
}

// Registers `handler(api, exchange)`; its answer is written back.
template <typename Handler>
void add(http::Router& router, std::string_view method, std::string_view path, ShardApi& api,
         Handler handler) {
  router.add(method, path, [&api, handler](http::Exchange& ex) { answer(ex, handler(api, ex)); });
}

}  // namespace

void add_live_routes(http::Router& router, ShardApi& api, bool echo) {
  add(router, "GET", "/ws/attendance/{class_id}", api, ws_attendance);
  if (echo) add(router, "GET", "/ws/echo", api, ws_echo);
}

void add_api_routes(http::Router& router, ShardApi& api) {
  using namespace routes;
  add(router, "POST", "/api/v1/auth/login", api, login);
  add(router, "POST", "/api/v1/auth/refresh", api, refresh);
  add(router, "GET", "/api/v1/classes", api, list_classes);
  add(router, "POST", "/api/v1/classes/join", api, join);
  add(router, "GET", "/api/v1/classes/{class_id}", api, get_class);
  add(router, "POST", "/api/v1/classes/{class_id}/sessions", api, open_session);
  add(router, "GET", "/api/v1/classes/{class_id}/sessions/current", api, current_session);
  add(router, "GET", "/api/v1/classes/{class_id}/attendance.csv", api, export_csv);
  add(router, "GET", "/api/v1/classes/{class_id}/sessions", api,
      [](ShardApi& a, http::Exchange& ex) { return class_range(a, ex, Kind::History); });
  add(router, "GET", "/api/v1/classes/{class_id}/report", api,
      [](ShardApi& a, http::Exchange& ex) { return class_range(a, ex, Kind::Report); });
  add(router, "GET", "/api/v1/classes/{class_id}/report.csv", api,
      [](ShardApi& a, http::Exchange& ex) { return class_range(a, ex, Kind::ReportCsv); });
  auto session = [](Kind kind, bool staff_only) {
    return [kind, staff_only](ShardApi& a, http::Exchange& ex) {
      return session_call(a, ex, kind, staff_only);
    };
  };
  add(router, "POST", "/api/v1/sessions/{session_id}/close", api,
      session(Kind::CloseSession, true));
  add(router, "GET", "/api/v1/sessions/{session_id}/attendance", api,
      session(Kind::Attendance, false));
  add(router, "GET", "/api/v1/sessions/{session_id}/audit", api, session(Kind::Audit, true));
  add(router, "GET", "/api/v1/sessions/{session_id}/qr", api,
      [](ShardApi& a, http::Exchange& ex) { return qr(a, ex, Kind::Qr); });
  add(router, "GET", "/api/v1/sessions/{session_id}/qr.svg", api,
      [](ShardApi& a, http::Exchange& ex) { return qr(a, ex, Kind::QrSvg); });
  add(router, "PUT", "/api/v1/sessions/{session_id}/attendance/{student_id}", api, override_record);
  add(router, "POST", "/api/v1/sync", api, sync);
  add(router, "POST", "/api/v1/sessions/{session_id}/attendance/bulk", api, bulk);
  add(router, "POST", "/api/v1/attendance/check-in", api, check_in);
  add(router, "GET", "/api/v1/admin/users", api, admin_users);
  add(router, "GET", "/api/v1/admin/today", api, admin_today);
  add(router, "GET", "/api/v1/me/attendance", api, my_attendance);
  add_push_routes(router, api);
}

}  // namespace rollcall::api

// Class- and session-scoped routes: authenticate, parse, check access against the
// accepting shard's roster, then run on the class's owner (class_call.hpp).

#include "src/api/class_routes.hpp"

#include "rollcall/api/bodies.hpp"
#include "rollcall/api/csv_export.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/auth/qr_token.hpp"

namespace rollcall::api::routes {

using namespace domain;
using Kind = ClassRequest::Kind;

namespace {

ClassRequest request_for(Kind kind, const Principal& who, const ClassAccess& access) {
  ClassRequest req;
  req.kind = kind;
  req.actor = who.id;
  req.cls = access.cls->id;
  req.staff = access.staff();
  return req;
}

// A request for `/classes/{class_id}/...`.
Expected<ClassRequest, wire::Error> for_class(ShardApi& api, const http::Exchange& ex, Kind kind,
                                              bool staff_only) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  const ClassId id{ex.params.id(0).value_or(0)};
  auto access = class_access(api, *who, id, staff_only, wire::class_not_found());
  if (!access) return access.error();
  return request_for(kind, *who, *access);
}

// A request for `/sessions/{session_id}/...` (the class is in the session id).
Expected<ClassRequest, wire::Error> for_session(ShardApi& api, const http::Exchange& ex, Kind kind,
                                                bool staff_only) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  const std::optional<std::uint64_t> id = ex.params.id(0);
  const SessionId sid{id.value_or(0)};
  auto access = class_access(api, *who, id ? class_of(sid) : ClassId{}, staff_only,
                             wire::session_not_found());
  if (!access) return access.error();
  ClassRequest req = request_for(kind, *who, *access);
  req.session = sid;
  return req;
}

Answer run(ShardApi& api, http::Exchange& ex, Expected<ClassRequest, wire::Error> req) {
  if (!req) return req.error();
  return dispatch(api, ex, std::move(*req));
}

// A student's check-in names its class (by code) or carries it in its QR token.
Expected<ClassRequest, wire::Error> check_in_request(ShardApi& api, const Principal& who,
                                                     CheckInBody& body) {
  ClassRequest req;
  req.actor = who.id;
  ClassId cls{body.class_id};
  if (body.method == CheckInBody::Method::VerificationCode) {
    if (api.roster().class_info(cls) == nullptr) return wire::class_not_found();
    req.kind = Kind::CheckInCode;
    req.code = std::move(body.code);
  } else {
    const std::optional<auth::QrToken> t = api.services.qr.verify(body.qr_token);
    if (!t) return wire::invalid_qr_token();
    req.session = SessionId{t->session_id};
    cls = class_of(req.session);
    if (api.roster().class_info(cls) == nullptr) {
      return wire::invalid_qr_token();
    }
    req.kind = Kind::CheckInQr;
    req.qr_window = t->window;
  }
  if (!api.roster().enrolled(who.id, cls)) return wire::not_enrolled();
  req.cls = cls;
  return req;
}

}  // namespace

Answer open_session(ShardApi& api, http::Exchange& ex) {
  Expected<ClassRequest, wire::Error> req = for_class(api, ex, Kind::OpenSession, true);
  if (!req) return req.error();
  OpenSessionBody body;
  if (auto err = parse_open_session(api.json, ex.body, body)) return *err;
  req->late_after_minutes = body.late_after_minutes;
  req->rotating_code = body.rotating_code;
  return dispatch(api, ex, std::move(*req));
}

Answer current_session(ShardApi& api, http::Exchange& ex) {
  return run(api, ex, for_class(api, ex, Kind::CurrentSession, false));
}

Answer session_call(ShardApi& api, http::Exchange& ex, Kind kind, bool staff_only) {
  return run(api, ex, for_session(api, ex, kind, staff_only));
}

Answer qr(ShardApi& api, http::Exchange& ex, Kind kind) {
  Expected<ClassRequest, wire::Error> req = for_session(api, ex, kind, true);
  if (!req) return req.error();
  if (!api.services.public_url.empty()) {
    req->public_base = api.services.public_url;
  } else {
    const std::string_view host = ex.request.header("host");
    req->public_base = "http://" + std::string(host.empty() ? "localhost" : host);
  }
  return dispatch(api, ex, std::move(*req));
}

Answer check_in(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  if (who->role != Role::Student) return wire::forbidden("only students check in");
  CheckInBody body;
  if (auto err = parse_check_in(api.json, ex.body, body)) return *err;
  return run(api, ex, check_in_request(api, *who, body));
}

Answer override_record(ShardApi& api, http::Exchange& ex) {
  Expected<ClassRequest, wire::Error> req = for_session(api, ex, Kind::Override, true);
  if (!req) return req.error();
  const std::optional<std::uint64_t> student = ex.params.id(1);
  if (!student) return wire::refusal_error(Refusal::StudentNotFound);
  OverrideBody body;
  if (auto err = parse_override(api.json, ex.body, body)) return *err;
  req->student = UserId{*student};
  req->status = body.status;
  req->reason = std::move(body.reason);
  return dispatch(api, ex, std::move(*req));
}

Answer bulk(ShardApi& api, http::Exchange& ex) {
  Expected<ClassRequest, wire::Error> req = for_session(api, ex, Kind::Bulk, true);
  if (!req) return req.error();
  BulkBody body;
  if (auto err = parse_bulk(api.json, ex.body, body)) return *err;
  req->bulk = std::move(body.updates);
  req->mark_remaining = body.mark_remaining;
  return dispatch(api, ex, std::move(*req));
}

Answer export_csv(ShardApi& api, http::Exchange& ex) {
  return class_range(api, ex, Kind::ExportCsv);
}

Answer class_range(ShardApi& api, http::Exchange& ex, Kind kind) {
  Expected<ClassRequest, wire::Error> req = for_class(api, ex, kind, true);
  if (!req) return req.error();
  if (auto err = parse_date_range(ex.request.query, req->range)) return *err;
  return dispatch(api, ex, std::move(*req));
}

}  // namespace rollcall::api::routes

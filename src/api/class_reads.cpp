// Class requests that only read the owner's state: the open session, a session's
// attendance and audit trail, the rotating QR code, the CSV export.

#include "rollcall/api/csv_export.hpp"
#include "rollcall/auth/qr_svg.hpp"
#include "rollcall/domain/session_code.hpp"
#include "rollcall/wire/json.hpp"
#include "src/api/class_ops.hpp"

namespace rollcall::api::ops {

using namespace domain;

namespace {

ClassResult ok(Reply r) {
  ClassResult out;
  out.answer = std::move(r);
  return out;
}

void write_audit_entry(JsonWriter& w, const AuditEntry& e) {
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
  // Only when true: a live entry keeps API.md §4's shape exactly.
  if (e.offline) w.field("offline", true);
  w.end_object();
}

// A rotating code's current value and when it stops being accepted (its own window
// and the next, as for the QR token).
void write_rotating_code(JsonWriter& w, const Session& s, std::int64_t now_ms) {
  const std::int64_t window = domain::code_window(now_ms, s.code_rotation_s);
  w.field("verification_code", s.code_at(now_ms));
  w.key("code_expires_at").time_ms((window + 2) * std::int64_t{s.code_rotation_s} * 1000);
}

}  // namespace

ClassResult current_session(OnOwner& o) {
  const Session* s = o.att.open_session();
  if (s == nullptr) return failed(wire::refusal_error(Refusal::NoOpenSession));
  return ok(json_reply(
      200, [&](JsonWriter& w) { wire::write_session(w, o.cls, *s, o.req.staff, o.now_ms); }));
}

ClassResult attendance(OnOwner& o) {
  const Session* s = o.att.session(o.req.session);
  if (s == nullptr) return failed(wire::refusal_error(Refusal::SessionNotFound));
  return ok(json_reply(200, [&](JsonWriter& w) {
    w.begin_object().key("session");
    wire::write_session(w, o.cls, *s, o.req.staff, o.now_ms);
    w.key("records").begin_array();
    if (o.req.staff) {
      for (const UserId student : o.cls.students) {
        wire::write_record(w, o.roster, o.cls, *s, s->record_of(student));
      }
    } else {
      wire::write_record(w, o.roster, o.cls, *s, s->record_of(o.req.actor));  // only their own
    }
    w.end_array().key("counts");
    wire::write_counts(w, count(o.cls, *s));
    w.end_object();
  }));
}

ClassResult audit(OnOwner& o) {
  const Session* s = o.att.session(o.req.session);
  if (s == nullptr) return failed(wire::refusal_error(Refusal::SessionNotFound));
  return ok(json_reply(200, [&](JsonWriter& w) {
    w.begin_object().key("entries").begin_array();
    for (const AuditEntry& e : s->audit) write_audit_entry(w, e);
    w.end_array().end_object();
  }));
}

ClassResult qr(OnOwner& o) {
  const Session* s = o.att.session(o.req.session);
  if (s == nullptr) return failed(wire::refusal_error(Refusal::SessionNotFound));
  if (!s->open) return failed(wire::refusal_error(Refusal::SessionClosed));
  const std::int64_t rotation_s = o.api.services.qr_rotation_s;
  const std::int64_t window = auth::qr_window(o.now_ms / 1000, rotation_s);
  const std::string token = o.api.services.qr.issue(s->id.value, window);
  const std::string url = o.req.public_base + "/check-in?token=" + token;
  if (o.req.kind == ClassRequest::Kind::QrSvg) {
    Result<std::string> svg = auth::render_qr_svg(url);
    if (!svg) return failed(wire::Error{500, "qr_render_failed", svg.error()});
    return ok(Reply{200, "image/svg+xml", std::move(*svg), {}});
  }
  return ok(json_reply(200, [&](JsonWriter& w) {
    w.begin_object();
    w.field("token", token);
    // Accepted in its own window and the next: it expires when that one ends.
    w.key("expires_at").time_ms((window + 2) * rotation_s * 1000);
    w.key("rotates_at").time_ms((window + 1) * rotation_s * 1000);
    w.field("check_in_url", url);
    if (s->rotating_code()) write_rotating_code(w, *s, o.now_ms);
    w.end_object();
  }));
}

ClassResult export_csv(OnOwner& o) {
  Reply r{200, "text/csv; charset=utf-8", {}, {}};
  r.headers.emplace_back(
      "Content-Disposition",
      "attachment; filename=\"class-" + std::to_string(o.cls.id.value) + "-attendance.csv\"");
  write_attendance_csv(r.body, o.roster, o.cls, o.att, o.req.range, o.api.services.time_zone);
  return ok(std::move(r));
}

}  // namespace rollcall::api::ops

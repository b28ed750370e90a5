// Class requests that change the owner's state: each becomes a domain command (or
// an attempt the domain judges), applied and logged by the owner; the answer and
// the live events wait for the log.

#include "rollcall/auth/codes.hpp"
#include "rollcall/auth/qr_token.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/push/note.hpp"
#include "rollcall/wire/json.hpp"
#include "src/api/class_ops.hpp"

namespace rollcall::api::ops {

using namespace domain;

namespace {

// The answer to a change, with its live events if it applied.
ClassResult changed(OnOwner& o, const Outcome& out, Reply reply) {
  ClassResult r;
  r.answer = std::move(reply);
  if (out.applied()) {
    r.changed = o.cls.id;
    r.events = live::feed_events(o.roster, o.cls, o.att, out.events, o.now_ms);
    r.note = push::note_for(o.cls, *out.logged, out, o.now_ms);
  }
  return r;
}

// The student's record the outcome reports, in the session it concerned.
Reply record_reply(OnOwner& o, const Outcome& out, int status) {
  const Session& s = *o.att.session(out.session);
  return json_reply(status, [&](JsonWriter& w) {
    wire::write_record(w, o.roster, o.cls, s, out.records.front());
  });
}

ClassResult refused(const Outcome& out) {
  return failed(wire::refusal_error(out.refusal, out.offending_student));
}

}  // namespace

ClassResult open_session(OnOwner& o) {
  OpenSession cmd{o.cls.id, o.req.actor, o.req.late_after_minutes, "", o.now_ms};
  if (o.req.rotating_code) {
    cmd.code_seed = auth::new_code_seed();
    cmd.code_rotation_s = o.api.services.qr_rotation_s;
  } else {
    cmd.verification_code = auth::new_verification_code();
  }
  const Outcome out = o.api.owner.apply(o.cls, cmd);
  if (out.refusal != Refusal::None) return refused(out);
  const Session& s = *o.att.session(out.session);
  return changed(o, out, json_reply(201, [&](JsonWriter& w) {
                   wire::write_session(w, o.cls, s, true, o.now_ms);
                 }));
}

ClassResult close_session(OnOwner& o) {
  const CloseSession cmd{o.cls.id, o.req.session, o.req.actor, std::nullopt, o.now_ms};
  const Outcome out = o.api.owner.apply(o.cls, cmd);
  if (out.refusal != Refusal::None) return refused(out);
  const Session& s = *o.att.session(out.session);
  return changed(
      o, out, json_reply(200, [&](JsonWriter& w) {
        w.begin_object().key("session");
        wire::write_session(w, o.cls, s, true, o.now_ms);
        w.field("marked_absent", static_cast<std::uint64_t>(out.records.size())).end_object();
      }));
}

ClassResult check_in(OnOwner& o) {
  CheckInAttempt a;
  a.student = o.req.actor;
  a.at_ms = a.now_ms = a.latest_ms = o.now_ms;
  if (o.req.kind == ClassRequest::Kind::CheckInCode) {
    const Session* open = o.att.open_session();
    if (open == nullptr) return failed(wire::refusal_error(Refusal::NoOpenSession));
    a.session = open->id;
    a.proof = CodeProof{o.req.code};
  } else {
    a.session = o.req.session;
    const std::int64_t now_window = auth::qr_window(o.now_ms / 1000, o.api.services.qr_rotation_s);
    a.proof = QrProof{o.req.qr_window, now_window};
  }
  const Outcome out = o.api.owner.check_in(o.cls, std::move(a));
  if (out.refusal != Refusal::None) return refused(out);
  // 201 for a first check-in; 200 with the record that stands (an earlier
  // check-in, a teacher's decision), also when the time went underneath it.
  return changed(o, out, record_reply(o, out, out.applied() && out.created ? 201 : 200));
}

ClassResult override_record(OnOwner& o) {
  const Override cmd{o.cls.id,      o.req.session, o.req.actor,
                     o.req.student, o.req.status,  o.req.reason,
                     o.now_ms,      o.now_ms,      ""};
  const Outcome out = o.api.owner.override_record(o.cls, OverrideAttempt{cmd, o.now_ms});
  if (out.refusal != Refusal::None) return refused(out);
  // (Unchanged: an offline override made later stands; answered with it.)
  return changed(o, out, record_reply(o, out, 200));
}

ClassResult bulk(OnOwner& o) {
  const Bulk cmd{o.cls.id,     o.req.session, o.req.actor, o.req.bulk, o.req.mark_remaining,
                 std::nullopt, o.now_ms};
  const Outcome out = o.api.owner.apply(o.cls, cmd);
  if (out.refusal != Refusal::None) return refused(out);
  const Session& s = *o.att.session(out.session);
  return changed(o, out, json_reply(200, [&](JsonWriter& w) {
                   w.begin_object();
                   w.field("updated", static_cast<std::uint64_t>(out.records.size()));
                   w.key("records").begin_array();
                   for (const Record& rec : out.records)
                     wire::write_record(w, o.roster, o.cls, s, rec);
                   w.end_array().key("counts");
                   wire::write_counts(w, count(o.cls, s));
                   w.end_object();
                 }));
}

}  // namespace rollcall::api::ops

// A sync batch's ops on their classes' owner: each becomes the attempt its live
// twin makes (a check-in judged at client_time, an override made then), so REST
// and sync follow one set of rules.

#include "src/api/sync_ops.hpp"

#include "rollcall/auth/qr_token.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/push/note.hpp"
#include "rollcall/wire/json.hpp"

namespace rollcall::api::sync {

using namespace domain;

namespace {

Outcome outcome_of(Change c) {
  switch (c) {
    case Change::Applied: return Outcome::Applied;
    case Change::Duplicate: return Outcome::Duplicate;
    case Change::Unchanged: return Outcome::Superseded;
  }
  return Outcome::Superseded;
}

domain::Outcome check_in(ShardApi& owner, const ClassInfo& cls, ClassAttendance& att,
                         const Part& part, const RoutedOp& r) {
  CheckInAttempt a;
  a.student = part.user;
  a.at_ms = r.op.client_time_ms;
  a.now_ms = part.now_ms;
  a.latest_ms = part.latest_ms;
  a.earliest_ms = part.earliest_ms;
  a.op_id = r.op.op_id;
  if (r.op.method == CheckInBody::Method::VerificationCode) {
    // The session open at client_time (none: the attempt answers no_open_session).
    const Session* s = att.session_at(r.op.client_time_ms);
    a.session = s != nullptr ? s->id : SessionId{};
    a.proof = CodeProof{r.op.code};
  } else {
    // A QR token is judged against client_time: it must have been current then.
    a.session = r.session;
    a.proof = QrProof{r.token_window,
                      auth::qr_window(r.op.client_time_ms / 1000, owner.services.qr_rotation_s)};
  }
  return owner.owner.check_in(cls, std::move(a));
}

domain::Outcome override_record(ShardApi& owner, const ClassInfo& cls, const Part& part,
                                const RoutedOp& r) {
  const Override cmd{cls.id,      r.session,   part.user,           UserId{r.op.student_id},
                     r.op.status, r.op.reason, r.op.client_time_ms, part.now_ms,
                     r.op.op_id};
  return owner.owner.override_record(cls, OverrideAttempt{cmd, part.latest_ms, part.earliest_ms});
}

// Runs one op on its class's owner.
OpResult run_op(ShardApi& owner, Part& part, const RoutedOp& r) {
  const Roster& roster = owner.roster();
  const ClassInfo* cls = roster.class_info(r.cls);
  if (cls == nullptr) return rejected(r.op.op_id, wire::class_not_found());
  if (owner.owner.tainted(r.cls)) return rejected(r.op.op_id, wire::storage_unavailable());
  ClassAttendance& att = owner.owner.attendance(r.cls);
  const domain::Outcome out = r.op.kind == SyncOpBody::Kind::CheckIn
                                  ? check_in(owner, *cls, att, part, r)
                                  : override_record(owner, *cls, part, r);
  if (out.refusal != Refusal::None) {
    return rejected(r.op.op_id, wire::refusal_error(out.refusal, out.offending_student));
  }
  if (out.applied()) {
    part.changed.push_back(r.cls);
    if (part.events.empty() || part.events.back().first != r.cls)
      part.events.emplace_back(r.cls, std::vector<live::FeedEvent>{});
    for (live::FeedEvent& e : live::feed_events(roster, *cls, att, out.events, part.now_ms)) {
      part.events.back().second.push_back(std::move(e));
    }
    if (auto note = push::note_for(*cls, *out.logged, out, part.now_ms)) {
      part.notes.push_back(std::move(*note));
    }
  }
  OpResult result{outcome_of(out.change), r.op.op_id, {}, std::nullopt};
  JsonWriter w(result.record);
  wire::write_record(w, roster, *cls, *att.session(out.session), out.records.front());
  return result;
}

}  // namespace

OpResult rejected(const std::string& op_id, wire::Error e) {
  return OpResult{Outcome::Rejected, op_id, {}, std::move(e)};
}

void run_part(ShardApi& owner, Part& part) {
  if (!owner.owner.writable()) {
    part.failed = true;
    return;
  }
  for (const RoutedOp& r : part.ops) part.results.emplace_back(r.index, run_op(owner, part, r));
}

}  // namespace rollcall::api::sync

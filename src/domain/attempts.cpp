// Requests the owner still has to judge before they become commands: a student's
// check-in with its proof (code or QR token), a teacher's override with its time.
// REST and offline sync both come through here; what is applied is a command,
// which the log stores and replay applies again.

#include "rollcall/common/assert.hpp"
#include "rollcall/domain/attendance.hpp"
#include "src/domain/outcomes.hpp"
#include "src/domain/record_rules.hpp"

namespace rollcall::domain {

namespace {

using outcomes::refused;
using outcomes::unchanged;

bool proof_accepted(const Session& s, const Proof& proof, std::int64_t at_ms) {
  if (const auto* code = std::get_if<CodeProof>(&proof)) return s.code_accepted(code->code, at_ms);
  const auto& qr = std::get<QrProof>(proof);
  return rules::qr_window_accepted(qr.token_window, qr.window_at);
}

Method method_of(const Proof& proof) {
  return std::holds_alternative<CodeProof>(proof) ? Method::VerificationCode : Method::QrCode;
}

}  // namespace

Outcome ClassAttendance::attempt_check_in(const ClassInfo& cls, const CheckInAttempt& a) {
  RC_ASSERT(a.student);
  if (!a.op_id.empty()) {
    if (const AppliedOp* op = applied_op(a.student, a.op_id)) return duplicate_of(*op);
  }
  if (a.at_ms < a.earliest_ms) return refused(Refusal::OfflineTooOld);
  const Session* s = find(a.session);
  if (s == nullptr) return refused(Refusal::NoOpenSession);
  if (!rules::enrolled(cls, a.student)) return refused(Refusal::NotEnrolled);
  const bool by_code = std::holds_alternative<CodeProof>(a.proof);
  if (by_code && a.attempts_exhausted) return refused(Refusal::TooManyAttempts);
  // An earlier check-in, or a teacher's decision, stands whatever this attempt is.
  const Record current = s->record_of(a.student);
  if (!proof_accepted(*s, a.proof, a.at_ms)) {
    if (rules::stands(current)) return unchanged(s->id, current);
    Outcome out = refused(Refusal::InvalidCode);
    out.wrong_code = by_code;
    return out;
  }
  if (a.at_ms > a.latest_ms) return refused(Refusal::InFuture);
  if (rules::stands(current) && rules::outside(*s, a.at_ms, a.op_id.empty())) {
    return unchanged(s->id, current);
  }
  return check_in(
      cls, CheckIn{id_, s->id, a.student, method_of(a.proof), a.at_ms, a.now_ms, a.op_id}, true);
}

Outcome ClassAttendance::attempt_override(const ClassInfo& cls, const OverrideAttempt& a) {
  const Override& cmd = a.command;
  RC_ASSERT(cmd.cls == id_);
  if (!cmd.op_id.empty()) {
    if (const AppliedOp* op = applied_op(cmd.actor, cmd.op_id)) return duplicate_of(*op);
  }
  if (cmd.at_ms < a.earliest_ms) return refused(Refusal::OfflineTooOld);
  const Session* s = find(cmd.session);
  if (s == nullptr) return refused(Refusal::SessionNotFound);
  if (!rules::enrolled(cls, cmd.student)) return refused(Refusal::StudentNotFound);
  if (!rules::settable(cmd.status)) return refused(Refusal::InvalidStatus);
  if (cmd.at_ms > a.latest_ms) return refused(Refusal::InFuture);
  return override_record(cls, cmd, true);
}

}  // namespace rollcall::domain

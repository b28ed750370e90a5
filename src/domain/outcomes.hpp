#pragma once
// Outcomes the attendance operations build alike (internal to domain/).

#include <utility>

#include "rollcall/domain/attendance.hpp"

namespace rollcall::domain::outcomes {

/// Refused: nothing changed.
inline Outcome refused(Refusal why, UserId offending = {}) {
  Outcome out;
  out.refusal = why;
  out.offending_student = offending;
  return out;
}

/// Nothing changed: `current` stands and is answered.
inline Outcome unchanged(SessionId session, Record current) {
  Outcome out;
  out.change = Change::Unchanged;
  out.session = session;
  out.records.push_back(std::move(current));
  return out;
}

}  // namespace rollcall::domain::outcomes

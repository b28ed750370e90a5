#pragma once
// Rules about one student's record that several operations share (internal to
// domain/): what counts as checked in, what "stands", who wins between overrides,
// how a check-in or an override rewrites a record.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rollcall/domain/attendance.hpp"

namespace rollcall::domain::rules {

bool enrolled(const ClassInfo& cls, UserId student);
/// Unmarked is not a status anyone may set.
bool settable(AttendanceStatus s);
/// Checked in by the student (present/late, not a teacher's decision).
bool checked_in(const Record& r);
/// A record a failed check-in leaves alone and answers with: the student's own
/// check-in, or a teacher's decision about that student (not the absent of a bulk
/// "mark remaining", which a check-in replaces).
bool stands(const Record& r);
/// Whether a check-in at `at_ms` comes after the session closed: a live one (it
/// happens now) whenever the session is closed, even in the close's millisecond; an
/// offline one when its time is later than the close.
bool after_close(const Session& s, std::int64_t at_ms, bool live);
/// Whether a check-in at `at_ms` lies outside the session: before its start, or
/// after its close (as `after_close`).
bool outside(const Session& s, std::int64_t at_ms, bool live);
/// Whether an override made at `at_ms` with `op_id` beats the record's current
/// one. Two live decisions (op_id "") go by arrival: the new one wins. Otherwise
/// the later (time, op_id) wins, so a live decision (op_id "") loses to an offline
/// one made at the same time or later.
bool override_wins(const Record& current, std::int64_t at_ms, std::string_view op_id);
/// A fresh check-in record: present, or late by the session's rule.
Record check_in_record(const Session& s, UserId student, Method method, std::int64_t at_ms);
/// The check-in that replaces a "mark remaining" absent (`marked`): late when made
/// at or after the marking (the roll was taken without the student), else as any
/// check-in at `at_ms` (an offline one made before the marking).
Record late_arrival(const Session& s, const Record& marked, Method method, std::int64_t at_ms);
/// Late minutes of an overridden `late` record: from the real check-in time if any.
std::uint32_t override_late_minutes(const Session& s, const Record& r);
/// `r` as a teacher set it (keeping the check-in time underneath).
Record overridden(const Session& s, Record r, AttendanceStatus status,
                  const std::optional<std::string>& reason, std::int64_t at_ms,
                  const std::string& op_id);
/// `r` as a bulk call marked it (a live decision: at the server's time, op_id "";
/// late minutes as for an override, so the order of a check-in does not matter).
Record bulk_marked(const Session& s, Record r, AttendanceStatus status,
                   const std::optional<std::string>& reason, std::int64_t now_ms);
/// `a == b`, in time that depends only on the lengths.
bool equal_constant_time(std::string_view a, std::string_view b);
/// A QR token is accepted in its own rotation window and the next one.
bool qr_window_accepted(std::int64_t token_window, std::int64_t window_at);

}  // namespace rollcall::domain::rules

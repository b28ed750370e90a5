#pragma once
/// Live events (API.md §5): what a change tells each audience, built when the
/// change is applied (the state is right there), published once it is durable (the
/// envelope — seq, epoch — is written then).
///
/// Audiences and privacy: teachers and admins get every event in full; every
/// student gets session events without the verification code and the counts; a
/// student gets a record event only about themselves (a bulk event carrying only
/// their own record); nobody else's name or record ever reaches a student.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rollcall/broadcast/ring.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::live {

/// One event's `data` JSON for each audience (empty `student` = students get nothing
/// but their personal data, if any).
struct FeedEvent {
  std::string type;  ///< "session_opened", "student_joined", ...
  std::int64_t timestamp_ms = 0;
  std::string staff;
  std::string student;
  std::vector<std::pair<std::uint64_t, std::string>> personal;  ///< ascending by student
};

/// The events for what a domain call did (in order), including the
/// `attendance_state_changed` that follows every change of records.
std::vector<FeedEvent> feed_events(const domain::Roster& roster, const domain::ClassInfo& cls,
                                   const domain::ClassAttendance& att,
                                   const std::vector<domain::Event>& events, std::int64_t now_ms);

/// `student_joined_class` for the class's teachers.
FeedEvent student_joined_class_event(const domain::User& student, std::int64_t now_ms);

/// The complete WebSocket text frame for one audience:
/// {"type","class_id","seq","epoch","timestamp","data":<data>}.
void append_event_frame(std::string& out, std::string_view type, std::uint64_t class_id,
                        std::uint64_t seq, std::string_view epoch, std::int64_t timestamp_ms,
                        std::string_view data);
/// The same, with <data> given as pieces laid end to end: written straight into
/// `out`, so a large shared piece (a cached snapshot) is copied once, into `out`.
void append_event_frame(std::string& out, std::string_view type, std::uint64_t class_id,
                        std::uint64_t seq, std::string_view epoch, std::int64_t timestamp_ms,
                        std::initializer_list<std::string_view> data);

/// Reusable buffers for the frames of one event.
struct EventFrameBuffers {
  std::string staff;
  std::string student;
  std::vector<std::string> personal;
};

/// The frames of event `e` (seq `seq` of class `class_id`, epoch as 8 hex digits),
/// encoded into `buffers`, as the ring publishes them.
broadcast::EventFrames build_event_frames(const FeedEvent& e, std::uint64_t class_id,
                                          std::uint64_t seq, std::string_view epoch_hex,
                                          EventFrameBuffers& buffers);

/// `epoch` as the 8 hex digits clients see.
std::string epoch_hex(std::uint32_t epoch);
/// The epoch a resuming client sent: exactly 8 lowercase hex digits.
bool parse_epoch(std::string_view text, std::uint32_t& out);

}  // namespace rollcall::live

#pragma once
/// What an event tells Web Push (API.md §8): one kind of notification about one
/// session, with each recipient's payload (the JSON the service worker shows).
/// Pure: built on the class's owner from the change it just made durable, then
/// handed to the push worker, which batches, looks up subscriptions and sends.
///
/// Who gets what:
///   session_opened  the class's students (an OpenSession applied);
///   status_changed  each student whose status a teacher's override (REST or synced),
///                   a bulk call or the session's close changed, with their new status;
///                   never a student's own check-in;
///   missing_digest  the class's teachers, once per session, when late_after_minutes
///                   have passed (`missing_digest`).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/commands.hpp"
#include "rollcall/domain/push.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::push {

/// One user's notification: the payload, not yet encrypted.
struct Message {
  domain::UserId user;
  std::string payload;
};

struct Note {
  domain::PushKind kind = domain::PushKind::SessionOpened;
  domain::ClassId cls;
  domain::SessionId session;
  std::int64_t event_ms = 0;  ///< when the event happened (the latency metric's start)
  std::vector<Message> messages;
};

/// The note a class's change gives, if any (see above). `out` is what applying
/// `cmd` gave (applied, with its events).
std::optional<Note> note_for(const domain::ClassInfo& cls, const domain::Command& cmd,
                             const domain::Outcome& out, std::int64_t event_ms);

/// The digest for the class's teachers: `missing` of `enrolled` students have not
/// checked in.
Note missing_digest(const domain::ClassInfo& cls, domain::SessionId session, std::uint32_t missing,
                    std::uint32_t enrolled, std::int64_t now_ms);

/// The Topic header of a notification (RFC 8030 §5.4: at most 32 characters of the
/// base64url alphabet): a newer one with the same topic replaces an older one a push
/// service still holds for an offline device.
std::string topic(domain::PushKind kind, domain::SessionId session);

}  // namespace rollcall::push

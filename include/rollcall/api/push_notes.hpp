#pragma once
/// What a class's owner tells Web Push: the note of a change once it is durable
/// (`push_durable`), and the digests it schedules.
///
/// When each open session's `missing_digest` is due (API.md §8: once per session,
/// when late_after_minutes have passed), on the class's owner. One entry per class
/// (a class has at most one open session; a newer one replaces the entry), so the
/// schedule never holds more than the classes this shard owns.
///
/// When an entry falls due and the session is still open, the counts are taken from
/// the owner's state (waiting a turn while a change of that class is still on its
/// way to disk, so the digest never counts what is not durable) and the note goes to
/// the push worker. A session closed before its digest was due gets none. A restart
/// schedules the open sessions whose digest is still ahead; one that fell due while
/// the server was down is not sent late.

#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/types.hpp"
#include "rollcall/push/note.hpp"

namespace rollcall::api {

struct ShardApi;

/// When `session`'s missing_digest is due: late_after_minutes after it started.
std::int64_t digest_due_ms(const domain::Session& session);

/// Hands `note` (of a durable change to `cls`) to the push worker; a session_opened
/// also schedules its digest.
void push_durable(ShardApi& api, domain::ClassId cls, const std::optional<push::Note>& note);

class DigestSchedule {
 public:
  /// `session` of `cls` is due at `due_ms` (wall clock).
  void add(domain::ClassId cls, domain::SessionId session, std::int64_t due_ms);
  /// Sends every digest due by `now_ms`; true if it did anything.
  bool run(ShardApi& api, std::int64_t now_ms);
  std::size_t size() const { return by_class_.size(); }

 private:
  std::map<domain::ClassId, std::pair<std::int64_t, domain::SessionId>> by_class_;
  std::set<std::pair<std::int64_t, domain::ClassId>> by_due_;
};

}  // namespace rollcall::api

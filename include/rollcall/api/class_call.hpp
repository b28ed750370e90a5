#pragma once
/// Class-scoped requests (API.md §4): the accepting shard authenticates, parses and
/// checks access against its roster, fills a `ClassRequest`, and runs it on the
/// class's owner shard (shard/call.hpp): reads answer from the owner's state;
/// writes apply a command there and answer once it is durable, then publish its
/// live events. The answer always comes back to the accepting shard on a later turn.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollcall/api/date_range.hpp"
#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/push/note.hpp"

namespace rollcall::api {

struct ClassRequest {
  enum class Kind : std::uint8_t {
    OpenSession,
    CurrentSession,
    CloseSession,
    Attendance,
    Audit,
    Qr,
    QrSvg,
    CheckInCode,
    CheckInQr,
    Override,
    Bulk,
    ExportCsv,
    History,
    Report,
    ReportCsv,
  };
  Kind kind = Kind::CurrentSession;
  domain::UserId actor;  ///< who asks (the roster entry stays on the accepting shard)
  bool staff = false;    ///< the caller teaches the class or is an admin
  domain::ClassId cls;
  domain::SessionId session;
  domain::UserId student;                ///< Override
  std::uint32_t late_after_minutes = 5;  ///< OpenSession
  bool rotating_code = false;            ///< OpenSession
  std::string code;                      ///< CheckInCode
  std::int64_t qr_window = 0;            ///< CheckInQr: the token's window
  domain::AttendanceStatus status = domain::AttendanceStatus::Present;  ///< Override
  std::optional<std::string> reason;                                    ///< Override
  std::vector<domain::BulkItem> bulk;                                   ///< Bulk
  std::optional<domain::AttendanceStatus> mark_remaining;               ///< Bulk
  std::string public_base;                                              ///< Qr: "http://host:port"
  DateRange range;  ///< ExportCsv, History, Report, ReportCsv: in the district's zone
};

/// What the owner made of a request.
struct ClassResult {
  Response answer = Reply{};
  /// The answer goes out only once everything the owner appended so far is durable
  /// (every write, also one that changed nothing: what it answers with may still be
  /// on its way to disk; a read of a class whose latest change is not yet durable).
  bool wait_for_log = false;
  /// The class this request changed (none: ClassId{}): tainted if the change
  /// cannot be made durable.
  domain::ClassId changed;
  /// Live events of the change, published once durable.
  std::vector<live::FeedEvent> events;
  /// What the change tells Web Push (push/note.hpp), handed on once durable.
  std::optional<push::Note> note;
};

/// Runs `req` on its class's owner; `owner` is that shard's API.
ClassResult run_class_request(ShardApi& owner, const ClassRequest& req);

/// Hands `req` to its class's owner and answers `ex` when the result is back (a
/// later turn). `503 overloaded` when the owner's mailbox is full.
Answer dispatch(ShardApi& api, http::Exchange& ex, ClassRequest req);

}  // namespace rollcall::api

#pragma once
/// Class-scoped operations. The accepting shard authenticates, parses and checks
/// access, fills a `ClassCall`, and runs it on the class's owner shard: inline when
/// it owns the class, otherwise through the owner's mailbox with the answer coming
/// back the same way. Only the owner touches the class's attendance state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollcall/api/context.hpp"
#include "rollcall/api/live_events.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/http/server.hpp"

namespace rollcall::api {

/// The answer an owner computed.
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string content_disposition;  ///< for the CSV export
};

struct ClassCall {
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
  };
  Kind kind = Kind::CurrentSession;
  Principal who;
  bool staff = false;  ///< the caller teaches the class or is an admin
  domain::ClassId class_id;
  domain::SessionId session_id;
  domain::UserId student;
  std::uint32_t late_after_minutes = 5;
  std::string code;            ///< CheckInCode
  std::int64_t qr_window = 0;  ///< CheckInQr: the token's window
  domain::AttendanceStatus status = domain::AttendanceStatus::Present;  ///< Override
  std::optional<std::string> reason;                                    ///< Override
  std::vector<domain::BulkItem> bulk;                                   ///< Bulk
  std::optional<domain::AttendanceStatus> mark_remaining;
  std::string public_base;            ///< Qr: "http://host:port"
  std::int64_t from_day = INT64_MIN;  ///< ExportCsv: days since the epoch, inclusive
  std::int64_t to_day = INT64_MAX;

  // Routing back to the accepting shard.
  unsigned origin_shard = 0;
  http::Deferred deferred;
  Reply reply;
  /// The call changed state and appended a log record: the answer goes out only
  /// once that record is durable (or as 503 if it cannot be made durable).
  bool durable = false;
  ShardState* owner = nullptr;  ///< set while waiting for durability
  /// Live events of the change, published once it is durable.
  std::vector<FeedEvent> events;
};

/// Runs `call` on the owner (whose state `st` is) and fills `call.reply`.
void run_class_call(ShardState& st, ClassCall& call);

/// Sends `call` to the owner of `call.class_id` and answers `ex` (now when this
/// shard owns the class, later otherwise). The roster checks are the caller's.
void dispatch_class_call(ShardState& st, http::Exchange& ex, ClassCall call);

}  // namespace rollcall::api

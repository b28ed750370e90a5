#pragma once
/// Request bodies of the REST API, parsed with simdjson's on-demand API into plain
/// structs. Each parser returns the first problem as an wire::Error (400 invalid_json,
/// 422 invalid_field naming the field) or nullopt with `out` filled. Unknown fields
/// are ignored. Kept apart from the handlers so they can be unit-tested and fuzzed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/wire/errors.hpp"
#include "rollcall/wire/json_reader.hpp"

namespace rollcall::api {

using domain::kOpIdBytesMax;
using domain::kReasonBytesMax;
inline constexpr std::size_t kBulkItemsMax = 10'000;
inline constexpr std::uint64_t kLateAfterMinutesMax = 24 * 60;
inline constexpr std::size_t kSyncOpsMax = 500;
inline constexpr std::size_t kClientIdBytesMax = 128;

struct LoginBody {
  std::string username;
  std::string password;
};

struct CheckInBody {
  enum class Method : std::uint8_t { VerificationCode, QrCode };
  Method method = Method::VerificationCode;
  std::uint64_t class_id = 0;  ///< VerificationCode
  std::string code;            ///< VerificationCode
  std::string qr_token;        ///< QrCode
};

struct OpenSessionBody {
  std::uint32_t late_after_minutes = 5;
  bool rotating_code = false;  ///< the code rotates with the QR tokens (API.md §4)
};

struct OverrideBody {
  domain::AttendanceStatus status = domain::AttendanceStatus::Present;
  std::optional<std::string> reason;
};

struct BulkBody {
  std::vector<domain::BulkItem> updates;
  std::optional<domain::AttendanceStatus> mark_remaining;
};

struct JoinBody {
  std::string join_code;
};

/// `POST /push/subscriptions` (API.md §8): what the browser's PushSubscription.toJSON()
/// gives. Only the shape is read here (strings where strings belong); whether the
/// endpoint and keys are usable is the handler's check (`invalid_subscription`).
struct PushSubscriptionBody {
  std::string endpoint;
  std::string p256dh;
  std::string auth;
};

/// `PUT /push/preferences`: the kinds given (a kind left out keeps its setting).
struct PushPreferencesBody {
  std::optional<bool> session_opened, status_changed, missing_digest;
};

/// One offline op (API.md §6). A problem with this op alone (unknown kind, missing
/// or malformed field, bad client_time) is kept in `error`: the op is answered
/// `rejected` and the others still apply.
struct SyncOpBody {
  enum class Kind : std::uint8_t { CheckIn, Override };
  std::string op_id;
  Kind kind = Kind::CheckIn;
  CheckInBody::Method method = CheckInBody::Method::VerificationCode;
  std::uint64_t class_id = 0;    ///< check_in
  std::string code;              ///< check_in by verification_code
  std::string qr_token;          ///< check_in by qr_code
  std::uint64_t session_id = 0;  ///< override: class_session_id
  std::uint64_t student_id = 0;  ///< override
  domain::AttendanceStatus status = domain::AttendanceStatus::Present;  ///< override
  std::optional<std::string> reason;                                    ///< override
  std::int64_t client_time_ms = 0;
  std::optional<wire::Error> error;
};

struct SyncBody {
  std::string client_id;
  std::vector<SyncOpBody> ops;
};

std::optional<wire::Error> parse_login(wire::JsonScratch& json, std::string_view body,
                                       LoginBody& out);
std::optional<wire::Error> parse_check_in(wire::JsonScratch& json, std::string_view body,
                                          CheckInBody& out);
/// An empty body keeps the defaults.
std::optional<wire::Error> parse_open_session(wire::JsonScratch& json, std::string_view body,
                                              OpenSessionBody& out);
std::optional<wire::Error> parse_override(wire::JsonScratch& json, std::string_view body,
                                          OverrideBody& out);
std::optional<wire::Error> parse_bulk(wire::JsonScratch& json, std::string_view body,
                                      BulkBody& out);
std::optional<wire::Error> parse_join(wire::JsonScratch& json, std::string_view body,
                                      JoinBody& out);
/// The whole batch is refused (nothing applies) for: not JSON (400), `client_id` or
/// `ops` missing or malformed, an op that is not an object or whose `op_id` is
/// missing, empty or over 64 bytes (422 invalid_field), more than 500 ops
/// (413 too_many_ops), the same op_id twice (422 duplicate_op_id).
/// Not JSON: 400. `endpoint` or `keys` missing or of the wrong type, `keys` without a
/// string `p256dh` and `auth`, or a string longer than the limit it can have:
/// `422 invalid_subscription`.
std::optional<wire::Error> parse_push_subscription(wire::JsonScratch& json, std::string_view body,
                                                   PushSubscriptionBody& out);
/// Not JSON: 400; a kind that is not true or false: 422 invalid_field. Unknown
/// fields are ignored.
std::optional<wire::Error> parse_push_preferences(wire::JsonScratch& json, std::string_view body,
                                                  PushPreferencesBody& out);
std::optional<wire::Error> parse_sync(wire::JsonScratch& json, std::string_view body,
                                      SyncBody& out);

}  // namespace rollcall::api

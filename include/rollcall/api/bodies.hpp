#pragma once
/// Request bodies of the REST API, parsed with simdjson's on-demand API into plain
/// structs. Each parser returns the first problem as an ApiError (400 invalid_json,
/// 422 invalid_field naming the field) or nullopt with `out` filled. Unknown fields
/// are ignored. Kept apart from the handlers so they can be unit-tested and fuzzed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/api/request.hpp"
#include "rollcall/domain/attendance.hpp"

namespace rollcall::api {

inline constexpr std::size_t kReasonBytesMax = 500;
inline constexpr std::size_t kBulkItemsMax = 10'000;
inline constexpr std::uint64_t kLateAfterMinutesMax = 24 * 60;

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

std::optional<ApiError> parse_login(JsonScratch& json, std::string_view body, LoginBody& out);
std::optional<ApiError> parse_check_in(JsonScratch& json, std::string_view body, CheckInBody& out);
/// An empty body keeps the defaults.
std::optional<ApiError> parse_open_session(JsonScratch& json, std::string_view body, OpenSessionBody& out);
std::optional<ApiError> parse_override(JsonScratch& json, std::string_view body, OverrideBody& out);
std::optional<ApiError> parse_bulk(JsonScratch& json, std::string_view body, BulkBody& out);
std::optional<ApiError> parse_join(JsonScratch& json, std::string_view body, JoinBody& out);

}  // namespace rollcall::api

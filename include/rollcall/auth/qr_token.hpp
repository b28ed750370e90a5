#pragma once
/// QR check-in tokens: a session id and a time window, signed by the server.
///
/// Token bytes (33): version 1 || session_id (8, big-endian) || window (8,
/// big-endian, two's complement) || the first 16 bytes of HMAC-SHA256(key, the 17
/// bytes before). On the wire: base64url without padding, 44 characters.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rollcall/auth/secret.hpp"

namespace rollcall::auth {

struct QrToken {
  std::uint64_t session_id = 0;
  std::int64_t window = 0;  ///< `qr_window(issue time, rotation_s)`
};

/// Length of an encoded token, in characters.
inline constexpr std::size_t kQrTokenChars = 44;

/// Issues and verifies tokens with one key. Immutable after construction: one
/// instance may be shared by every thread.
class QrCodec {
 public:
  /// `key` should come from `derive_key(master, "qr")`.
  explicit QrCodec(const Key& key) : key_(key) {}

  /// The token for `session_id` in `window`, base64url without padding.
  std::string issue(std::uint64_t session_id, std::int64_t window) const;

  /// The token's contents if it is well formed and signed with this key; nullopt
  /// if forged or malformed. Does not judge the window: which windows a check-in accepts is an
  /// attendance rule (domain::ClassAttendance::attempt_check_in).
  std::optional<QrToken> verify(std::string_view token) const;

 private:
  Key key_;
};

/// The window a time falls in: windows are `rotation_s` seconds long (> 0), the
/// first starting at the Unix epoch. `now_s` >= 0.
inline std::int64_t qr_window(std::int64_t now_s, std::int64_t rotation_s) {
  return now_s / rotation_s;
}

}  // namespace rollcall::auth

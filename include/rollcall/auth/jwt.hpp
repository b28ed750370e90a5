#pragma once
/// JSON Web Tokens (RFC 7519) signed with HS256, the bearer tokens of `/api/v1`.
///
/// Issued tokens are `base64url(header).base64url(payload).base64url(hmac)`, no
/// padding, with the header `{"alg":"HS256","typ":"JWT"}` and the payload
/// `{"sub":"<user id>","role":"<role>","iat":<s>,"exp":<s>}` (Unix seconds).
/// Requires `sodium_init()` to have succeeded (the app calls it at start).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rollcall/auth/secret.hpp"
#include "rollcall/domain/types.hpp"

namespace rollcall::auth {

struct Claims {
  std::uint64_t user_id = 0;  ///< `sub`, positive
  domain::Role role = domain::Role::Student;
  std::int64_t issued_at_s = 0;   ///< `iat`, Unix seconds
  std::int64_t expires_at_s = 0;  ///< `exp`, Unix seconds
};

/// Why a token was refused. All of them answer `401 unauthorized`; the kind is for
/// logs and metrics.
enum class TokenError : std::uint8_t { Malformed, UnsupportedAlgorithm, BadSignature, Expired };

struct VerifiedToken {
  bool ok = false;
  Claims claims;                             ///< meaningful only when `ok`
  TokenError error = TokenError::Malformed;  ///< meaningful only when `!ok`
};

/// Longer tokens are refused as Malformed before any decoding.
inline constexpr std::size_t kMaxTokenBytes = 4096;

/// Issues and verifies tokens with one key. Immutable after construction: one
/// instance may be shared by every thread.
class JwtCodec {
 public:
  /// `key` should come from `derive_key(master, "jwt")`.
  explicit JwtCodec(const Key& key) : key_(key) {}

  /// A token for `user_id` (> 0) valid from `now_s` for `ttl_s` seconds
  /// (`exp = now_s + ttl_s`). One allocation: the returned string.
  std::string issue(std::uint64_t user_id, domain::Role role, std::int64_t now_s,
                    std::int64_t ttl_s) const;

  /// Checks, in order: size and shape (three base64url parts), the header's `alg`
  /// (must be "HS256"; "none", anything else or missing is UnsupportedAlgorithm),
  /// the signature (constant time, before the payload is looked at), the payload's
  /// claims (`sub` a decimal string of a positive 64-bit integer, `role` one of
  /// admin/teacher/student, integer `iat` and `exp`; other claims are ignored), and
  /// finally `exp > now_s` (else Expired). Any structural problem is Malformed.
  /// Does not allocate once the calling thread's JSON parser is warm.
  VerifiedToken verify(std::string_view token, std::int64_t now_s) const;

 private:
  Key key_;
};

}  // namespace rollcall::auth

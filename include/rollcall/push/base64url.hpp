#pragma once
/// base64url (RFC 4648 section 5), the alphabet of Web Push keys, VAPID JWTs and
/// subscription keys (API.md section 8).

#include <optional>
#include <string>
#include <string_view>

namespace rollcall::push {

/// `bytes` in the URL-safe alphabet (`-`, `_`), without `=` padding.
std::string base64url_encode(std::string_view bytes);

/// The bytes `text` encodes, written with or without `=` padding (browsers send
/// `PushSubscription` keys without it; some tools add it). Anything else is nullopt:
/// the standard alphabet's `+` and `/`, whitespace or other characters, a wrong
/// amount of padding or padding that is not at the end, a length no encoding has
/// (4k + 1 characters), or unused trailing bits that are not zero (a
/// non-canonical encoding).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace rollcall::push

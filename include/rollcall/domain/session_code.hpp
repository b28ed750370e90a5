#pragma once
/// A session's rotating 6-digit code (API.md §4 `"rotating_code": true`): the code
/// of each rotation window derives from a random per-session seed, so it is a pure
/// function of the session's logged state (replay, snapshots and every shard agree
/// without storing one code per window), and unknown to anyone without the seed.
///
/// code(window) = the first 8 bytes of BLAKE2b-128(key = the seed's 32 characters,
/// message = window as 8 little-endian bytes), read little-endian, modulo 10^6, as 6 decimal
/// digits. The modulo's bias is below 10^6 / 2^64. Windows are `rotation_s` seconds long, the first
/// starting at the Unix epoch (the QR tokens' windows, auth/qr_token.hpp).

#include <cstdint>
#include <string>
#include <string_view>

namespace rollcall::domain {

/// The longest rotation window a session may log (a day).
inline constexpr std::uint32_t kCodeRotationSMax = 86400;

/// Length of a seed in hex characters (16 random bytes).
inline constexpr std::size_t kCodeSeedChars = 32;

/// The window `at_ms` falls in (`rotation_s` > 0; times before the epoch count
/// from window 0).
std::int64_t code_window(std::int64_t at_ms, std::uint32_t rotation_s);

/// The code of `window` for a session with `seed` (kCodeSeedChars hex characters).
std::string rotating_code(std::string_view seed, std::int64_t window);

/// Whether `seed` has the form `rotating_code` needs.
bool valid_code_seed(std::string_view seed);

}  // namespace rollcall::domain

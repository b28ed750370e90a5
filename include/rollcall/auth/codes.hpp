#pragma once
/// Short random codes people type (checking them is the domain's: a session's
/// code is part of its state).
/// Requires `sodium_init()` to have succeeded (the app calls it at start).

#include <string>
#include <string_view>

namespace rollcall::auth {

/// A session's verification code: 6 decimal digits, uniform over 000000..999999.
std::string new_verification_code();

/// A rotating code's seed (domain/session_code.hpp): 16 random bytes as 32
/// lowercase hex characters.
std::string new_code_seed();

/// The alphabet of join codes: no 0/O or 1/I, which read alike.
inline constexpr std::string_view kJoinCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
inline constexpr std::size_t kJoinCodeLength = 8;

/// A class join code: 8 characters, each uniform over `kJoinCodeAlphabet` (40 bits).
std::string new_join_code();

}  // namespace rollcall::auth

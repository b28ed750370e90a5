#pragma once
/// Password hashing: Argon2id (libsodium `crypto_pwhash`, "interactive" limits:
/// 2 passes over 64 MiB). Each call takes tens of milliseconds of CPU and 64 MiB
/// of memory, so callers run them off the shard loop or rate-limit them.
/// Requires `sodium_init()` to have succeeded (the app calls it at start).

#include <string>
#include <string_view>

namespace rollcall::auth {

/// The encoded hash (`$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>`, random salt).
/// Returns an empty string if libsodium fails (it cannot get the memory); an empty
/// hash never verifies.
std::string hash_password(std::string_view password);

/// True when `password` matches `encoded_hash` (constant time in the password).
/// False for an empty, truncated or otherwise invalid hash, after spending the time
/// of a real check (`verify_against_dummy`): an account without a usable hash (a
/// disabled one) answers as slowly as any other.
bool verify_password(std::string_view encoded_hash, std::string_view password);

/// Always false, after spending the time of a real `verify_password` against a
/// hash made by `hash_password` (a fixed dummy hash of a random password, computed
/// once on first use, thread-safe). Call it for unknown usernames so that they
/// answer as slowly as wrong passwords.
bool verify_against_dummy(std::string_view password);

}  // namespace rollcall::auth

#pragma once
/// P-256 keys through OpenSSL's EVP API: what VAPID signing and message
/// encryption share. Points are uncompressed (0x04 | x | y, 65 bytes), private
/// keys 32-byte big-endian scalars. Internal to src/push.

#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"
#include "src/push/ossl.hpp"

namespace rollcall::push::p256 {

/// A fresh random key pair.
ossl::Pkey generate();

/// The key pair of the scalar `private_key` (the public point computed from it).
/// Error: not 32 bytes, zero, or not below the group order.
Result<ossl::Pkey> from_private(std::string_view private_key);

/// The public key `point`. Error: not a point on the curve (is_point).
Result<ossl::Pkey> from_public(std::string_view point);

/// 65 bytes, 0x04, coordinates in the field that satisfy the curve equation.
bool is_point(std::string_view raw);

/// True if `key` is an EC key on P-256 (prime256v1, by name).
bool is_p256(EVP_PKEY* key);

/// The public point of `key` (a P-256 key), 65 bytes.
std::string public_point(EVP_PKEY* key);

/// ECDH: the 32-byte x coordinate of own_private * peer_public.
Result<std::string> shared_secret(EVP_PKEY* own, EVP_PKEY* peer);

}  // namespace rollcall::push::p256

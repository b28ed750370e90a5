#pragma once
/// Web Push message encryption: RFC 8291 over the `aes128gcm` content coding of
/// RFC 8188, one record per message.
///
/// A message body (what the server POSTs to a push service) is
///
///   salt (16) | rs (4, big-endian, 4096) | idlen (1, 65) | as_public (65) | record
///
/// where as_public is the sender's ephemeral P-256 key (uncompressed point, fresh
/// for every message) and the record is AES-128-GCM of
/// `plaintext | 0x02 | 0x00 * padding` followed by its 16-byte tag. The key and
/// nonce come from ECDH(as_private, ua_public), the subscription's 16-byte auth
/// secret and the salt through HKDF-SHA-256, as RFC 8291 section 3 says.
///
/// Bounds: push services must accept bodies of 4096 bytes (RFC 8030 section 7.2)
/// and may refuse larger ones, so a body never exceeds kEceBodyBytesMax, which
/// leaves kEcePlaintextBytesMax = 4096 - 86 - 16 - 1 = 3993 bytes of plaintext.
/// `encrypt` pads every body to a multiple of 64 bytes, so its length tells an
/// observer the payload's size only to within 64 bytes.
///
/// Thread-safe (no shared state). `encrypt` draws the salt from libsodium:
/// `sodium_init()` must have succeeded (the app calls it at start).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"

namespace rollcall::push {

inline constexpr std::size_t kP256PointBytes = 65;       ///< 0x04 | x (32) | y (32)
inline constexpr std::size_t kP256PrivateKeyBytes = 32;  ///< the scalar, big-endian
inline constexpr std::size_t kEceAuthSecretBytes = 16;
inline constexpr std::size_t kEceSaltBytes = 16;
inline constexpr std::size_t kEceTagBytes = 16;
/// salt + rs + idlen + keyid (the sender's public key).
inline constexpr std::size_t kEceHeaderBytes = kEceSaltBytes + 4 + 1 + kP256PointBytes;
/// The record size `encrypt` writes in the header (RFC 8291 section 4: 4096).
inline constexpr std::uint32_t kEceRecordBytes = 4096;
/// The largest body `encrypt` produces, header included.
inline constexpr std::size_t kEceBodyBytesMax = 4096;
/// The largest plaintext `encrypt` accepts: the body bound minus the header, the
/// tag and the 0x02 delimiter. 3993 bytes.
inline constexpr std::size_t kEcePlaintextBytesMax =
    kEceBodyBytesMax - kEceHeaderBytes - kEceTagBytes - 1;
/// `encrypt` pads bodies to a multiple of this.
inline constexpr std::size_t kEcePaddingQuantumBytes = 64;

static_assert(kEceHeaderBytes == 86);
static_assert(kEcePlaintextBytesMax == 3993);
static_assert(kEceBodyBytesMax % kEcePaddingQuantumBytes == 0);
static_assert(kEceBodyBytesMax - kEceHeaderBytes <= kEceRecordBytes);  // one record holds it

/// True if `raw` is an uncompressed P-256 point on the curve: 65 bytes, 0x04, then
/// coordinates below the field prime that satisfy the curve equation. What a
/// subscription's `p256dh` key must be.
bool is_p256_point(std::string_view raw);

/// Encrypts `plaintext` for the subscription whose keys are `ua_public` (the
/// decoded `p256dh`, a P-256 point) and `auth_secret` (the decoded `auth`, 16
/// bytes), with a fresh ephemeral key pair and salt, padded to a multiple of 64
/// bytes. Errors: a key of the wrong form, a plaintext over kEcePlaintextBytesMax.
Result<std::string> encrypt(std::string_view plaintext, std::string_view ua_public,
                            std::string_view auth_secret);

/// What `encrypt` draws at random, given instead (the RFC 8291 example, tests).
/// Never reuse a salt with the same keys in production: that repeats the nonce.
struct EceSender {
  enum class Padding {
    to_quantum,  ///< pad the body to a multiple of kEcePaddingQuantumBytes (`encrypt`)
    none,        ///< only the 0x02 delimiter (RFC 8291 Appendix A's body)
  };
  std::string_view private_key;  ///< kP256PrivateKeyBytes, the ephemeral scalar
  std::string_view salt;         ///< kEceSaltBytes
  Padding padding = Padding::to_quantum;
};

/// `encrypt` with the sender's ephemeral key and salt given: deterministic. Same
/// bounds and errors, plus a private key or salt of the wrong form.
Result<std::string> encrypt_with(std::string_view plaintext, std::string_view ua_public,
                                 std::string_view auth_secret, const EceSender& sender);

/// The user agent's side: the plaintext of `body`, given the subscription's private
/// key (kP256PrivateKeyBytes) and auth secret. Accepts any rs >= 18 and any padding
/// but only one record (Web Push sends one), and bodies of at most kEceBodyBytesMax
/// (what push services carry). Every malformed body is an Error: a body over that,
/// a header shorter than 86 bytes, rs < 18, idlen != 65, a key id that is not a P-256
/// point, a record shorter than tag + delimiter or longer than rs, a tag that does
/// not verify, padding that is not zeros after a 0x02 delimiter.
Result<std::string> decrypt(std::string_view body, std::string_view ua_private_key,
                            std::string_view auth_secret);

}  // namespace rollcall::push

#include "rollcall/auth/qr_token.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <limits>

namespace rollcall::auth {

namespace {

constexpr int kB64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
constexpr unsigned char kVersion = 1;
constexpr std::size_t kBodyBytes = 1 + 8 + 8;
constexpr std::size_t kMacBytes = 16;
using TokenBytes = std::array<unsigned char, kBodyBytes + kMacBytes>;

static_assert(sodium_base64_ENCODED_LEN(sizeof(TokenBytes), kB64) == kQrTokenChars + 1);

void put_be64(unsigned char* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<unsigned char>(v & 0xff);
}

std::uint64_t get_be64(const unsigned char* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

/// The first kMacBytes of HMAC-SHA256(key, body) into `out`.
void mac(const Key& key, const unsigned char* body, unsigned char* out) {
  unsigned char full[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(full, body, kBodyBytes, key.data());
  std::copy(full, full + kMacBytes, out);
}

}  // namespace

std::string QrCodec::issue(std::uint64_t session_id, std::int64_t window) const {
  TokenBytes t;
  t[0] = kVersion;
  put_be64(&t[1], session_id);
  put_be64(&t[9], static_cast<std::uint64_t>(window));
  mac(key_, t.data(), &t[kBodyBytes]);
  std::string out(kQrTokenChars + 1, '\0');  // + sodium_bin2base64's NUL
  sodium_bin2base64(out.data(), out.size(), t.data(), t.size(), kB64);
  out.resize(kQrTokenChars);
  return out;
}

std::optional<QrToken> QrCodec::verify(std::string_view token) const {
  if (token.size() != kQrTokenChars) return std::nullopt;
  TokenBytes t;
  std::size_t size = 0;
  if (sodium_base642bin(t.data(), t.size(), token.data(), token.size(), nullptr, &size, nullptr,
                        kB64) != 0 ||
      size != t.size() || t[0] != kVersion) {
    return std::nullopt;
  }
  unsigned char expected[kMacBytes];
  mac(key_, t.data(), expected);
  if (sodium_memcmp(expected, &t[kBodyBytes], kMacBytes) != 0) return std::nullopt;
  return QrToken{get_be64(&t[1]), static_cast<std::int64_t>(get_be64(&t[9]))};
}

}  // namespace rollcall::auth

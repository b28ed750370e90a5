// The server side of the RFC 6455 opening handshake (§4.2.1, §4.2.2).
#include <openssl/sha.h>
#include <sodium.h>

#include <array>

#include "rollcall/common/assert.hpp"
#include "rollcall/ws/codec.hpp"

namespace rollcall::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// True if the comma-separated list `value` holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (true) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) return false;
    value.remove_prefix(comma + 1);
  }
}

/// Sec-WebSocket-Key: base64 (original alphabet, padded) of exactly 16 bytes.
bool valid_key(std::string_view key) {
  key = trim(key);
  if (key.size() != 24) return false;  // 16 bytes encode to 22 characters + "=="
  std::array<unsigned char, 16> raw;
  std::size_t raw_len = 0;
  const char* b64_end = nullptr;
  if (sodium_base642bin(raw.data(), raw.size(), key.data(), key.size(), nullptr, &raw_len, &b64_end,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  return raw_len == raw.size() && b64_end == key.data() + key.size();
}

// SHA-1 of `key` followed by the GUID (RFC 6455 §4.2.2), with no allocation and no
// copy: OpenSSL 3.0's EVP digests allocate their provider context on every init (and
// the one-shot SHA1() also fetches the implementation: three mallocs an upgrade), so
// the handshake uses the low-level calls on a stack context. They are deprecated in
// 3.0, not removed; SHA-1 here is a fixed transform of a public nonce, not security.
void accept_digest(std::string_view key, unsigned char (&digest)[SHA_DIGEST_LENGTH]) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  SHA_CTX ctx;
  const bool ok = SHA1_Init(&ctx) == 1 && SHA1_Update(&ctx, key.data(), key.size()) == 1 &&
                  SHA1_Update(&ctx, kGuid.data(), kGuid.size()) == 1 &&
                  SHA1_Final(digest, &ctx) == 1;
#pragma GCC diagnostic pop
  RC_ASSERT(ok);
}

}  // namespace

HandshakeError check_handshake(std::string_view method, std::string_view upgrade,
                               std::string_view connection, std::string_view version,
                               std::string_view key) {
  if (method != "GET") return HandshakeError::NotGet;
  if (!has_token(upgrade, "websocket") || !has_token(connection, "upgrade"))
    return HandshakeError::NotUpgrade;
  if (trim(version) != "13") return HandshakeError::BadVersion;
  if (!valid_key(key)) return HandshakeError::BadKey;
  return HandshakeError::None;
}

AcceptKey accept_key(std::string_view key) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  accept_digest(trim(key), digest);
  AcceptKey out;
  static_assert(sizeof out.text ==
                sodium_base64_ENCODED_LEN(SHA_DIGEST_LENGTH, sodium_base64_VARIANT_ORIGINAL));
  sodium_bin2base64(out.text.data(), out.text.size(), digest, sizeof digest,
                    sodium_base64_VARIANT_ORIGINAL);
  return out;
}

void append_handshake_response(std::string& out, std::string_view key) {
  out.append(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ");
  out.append(accept_key(key).view());
  out.append("\r\n\r\n");
}

}  // namespace rollcall::ws

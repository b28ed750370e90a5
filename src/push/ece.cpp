#include "rollcall/push/ece.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "src/push/bytes.hpp"
#include "src/push/ossl.hpp"
#include "src/push/p256.hpp"

namespace rollcall::push {

namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

constexpr std::size_t kSha256Bytes = 32;
constexpr std::size_t kCekBytes = 16;
constexpr std::size_t kNonceBytes = 12;
constexpr std::uint32_t kRecordBytesMin = 18;  // RFC 8188 section 2.1
constexpr char kLastRecordDelimiter = '\x02';

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string mac(kSha256Bytes, '\0');
  unsigned int size = 0;
  const unsigned char* done = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                   bytes::in(data), data.size(), bytes::out(mac), &size);
  RC_ASSERT(done != nullptr);
  RC_ASSERT(size == kSha256Bytes);
  return mac;
}

/// HKDF-SHA-256 (RFC 5869) for outputs of one block, as RFC 8291 uses it.
std::string hkdf(std::string_view salt, std::string_view ikm, std::string_view info,
                 std::size_t length) {
  RC_ASSERT(length <= kSha256Bytes);
  std::string prk = hmac_sha256(salt, ikm);
  std::string okm = hmac_sha256(prk, std::string(info) + '\x01');
  bytes::wipe(prk);
  okm.resize(length);
  return okm;
}

/// The record's AES-128-GCM key and nonce (RFC 8291 section 3.4, RFC 8188 section
/// 2.2; one record, so the nonce is not XORed with a sequence number).
struct ContentKeys {
  std::string cek;
  std::string nonce;
  ~ContentKeys() {
    bytes::wipe(cek);
    bytes::wipe(nonce);
  }
};

/// Everything the key schedule takes; both sides know all of it.
struct KeyInputs {
  std::string_view ecdh_secret;
  std::string_view auth_secret;
  std::string_view ua_public;
  std::string_view as_public;
  std::string_view salt;
};

ContentKeys derive_keys(const KeyInputs& k) {
  const std::string key_info =
      "WebPush: info\0"s + std::string(k.ua_public) + std::string(k.as_public);
  std::string ikm = hkdf(k.auth_secret, k.ecdh_secret, key_info, kSha256Bytes);
  ContentKeys keys{hkdf(k.salt, ikm, "Content-Encoding: aes128gcm\0"sv, kCekBytes),
                   hkdf(k.salt, ikm, "Content-Encoding: nonce\0"sv, kNonceBytes)};
  bytes::wipe(ikm);
  return keys;
}

/// AES-128-GCM of `content` (the padded plaintext), the 16-byte tag appended.
std::string seal(const ContentKeys& keys, std::string_view content) {
  RC_ASSERT(content.size() <= kEceBodyBytesMax);  // so the int lengths below hold it
  ossl::Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  RC_ASSERT(ctx != nullptr);
  std::string record(content.size() + kEceTagBytes, '\0');
  int written = 0;
  int final_written = 0;
  const bool sealed =
      EVP_EncryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), bytes::in(keys.cek), bytes::in(keys.nonce),
                          nullptr) == 1 &&
      EVP_EncryptUpdate(ctx.get(), bytes::out(record), &written, bytes::in(content),
                        static_cast<int>(content.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), bytes::out(record) + written, &final_written) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kEceTagBytes,
                          bytes::out(record) + content.size()) == 1;
  RC_ASSERT(sealed);  // valid keys and sizes: fails only without memory
  RC_ASSERT(static_cast<std::size_t>(written + final_written) == content.size());
  return record;
}

/// The content of `record` (ciphertext | tag), or an Error if the tag does not verify.
Result<std::string> open(const ContentKeys& keys, std::string_view record) {
  RC_ASSERT(record.size() >= kEceTagBytes);
  RC_ASSERT(record.size() <= kEceBodyBytesMax);  // so the int lengths below hold it
  const std::size_t content_size = record.size() - kEceTagBytes;
  std::string tag(record.substr(content_size));  // the ctrl call wants a mutable buffer
  ossl::Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  RC_ASSERT(ctx != nullptr);
  std::string content(content_size, '\0');
  int written = 0;
  int final_written = 0;
  const bool started =
      EVP_DecryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), bytes::in(keys.cek), bytes::in(keys.nonce),
                          nullptr) == 1 &&
      EVP_DecryptUpdate(ctx.get(), bytes::out(content), &written, bytes::in(record),
                        static_cast<int>(content_size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kEceTagBytes, tag.data()) == 1;
  RC_ASSERT(started);
  if (EVP_DecryptFinal_ex(ctx.get(), bytes::out(content) + written, &final_written) != 1) {
    ERR_clear_error();
    return Error{"push message: the record's tag does not verify (wrong keys or altered)"};
  }
  RC_ASSERT(static_cast<std::size_t>(written + final_written) == content_size);
  return content;
}

/// `plaintext | 0x02 | zeros`: enough zeros to make the body a multiple of the
/// padding quantum, or none.
std::string pad(std::string_view plaintext, EceSender::Padding padding) {
  std::size_t content_size = plaintext.size() + 1;
  if (padding == EceSender::Padding::to_quantum) {
    const std::size_t body = kEceHeaderBytes + content_size + kEceTagBytes;
    content_size +=
        (kEcePaddingQuantumBytes - body % kEcePaddingQuantumBytes) % kEcePaddingQuantumBytes;
  }
  std::string content(content_size, '\0');
  plaintext.copy(content.data(), plaintext.size());
  content[plaintext.size()] = kLastRecordDelimiter;
  return content;
}

/// The plaintext of a record's content: before the last non-zero byte, which must
/// be the last record's delimiter.
Result<std::string> unpad(std::string_view content) {
  const std::size_t delimiter = content.find_last_not_of('\0');
  if (delimiter == std::string_view::npos)
    return Error{"push message: the record has no delimiter (all padding)"};
  if (content[delimiter] != kLastRecordDelimiter)
    return Error{"push message: the record's delimiter is not 0x02 (one record, the last)"};
  return std::string(content.substr(0, delimiter));
}

std::string header(std::string_view salt, std::string_view as_public) {
  std::string out;
  out.reserve(kEceHeaderBytes);
  out.append(salt);
  for (const int shift : {24, 16, 8, 0})
    out.push_back(static_cast<char>((kEceRecordBytes >> shift) & 0xFF));
  out.push_back(static_cast<char>(kP256PointBytes));
  out.append(as_public);
  RC_ASSERT(out.size() == kEceHeaderBytes);
  return out;
}

/// The checks `encrypt` and `encrypt_with` share: everything but the sender.
Status check_message(std::string_view plaintext, std::string_view ua_public,
                     std::string_view auth_secret) {
  if (plaintext.size() > kEcePlaintextBytesMax) {
    return Error{"push payload of " + std::to_string(plaintext.size()) +
                 " bytes exceeds the maximum of " + std::to_string(kEcePlaintextBytesMax)};
  }
  if (!is_p256_point(ua_public)) return Error{"push subscription key is not a P-256 point"};
  if (auth_secret.size() != kEceAuthSecretBytes) {
    return Error{"push subscription auth secret must be 16 bytes, it has " +
                 std::to_string(auth_secret.size())};
  }
  return Ok{};
}

/// The body, once the inputs are checked and the sender's key pair exists.
Result<std::string> seal_message(std::string_view plaintext, std::string_view ua_public,
                                 std::string_view auth_secret, EVP_PKEY* as_key,
                                 std::string_view salt, EceSender::Padding padding) {
  RC_ASSERT(salt.size() == kEceSaltBytes);
  Result<ossl::Pkey> ua_key = p256::from_public(ua_public);
  if (!ua_key) return Error{ua_key.error()};
  Result<std::string> ecdh = p256::shared_secret(as_key, ua_key->get());
  if (!ecdh) return Error{ecdh.error()};
  const std::string as_public = p256::public_point(as_key);
  const ContentKeys keys = derive_keys({.ecdh_secret = *ecdh,
                                        .auth_secret = auth_secret,
                                        .ua_public = ua_public,
                                        .as_public = as_public,
                                        .salt = salt});
  bytes::wipe(*ecdh);
  std::string content = pad(plaintext, padding);
  std::string body = header(salt, as_public) + seal(keys, content);
  bytes::wipe(content);
  RC_ASSERT(body.size() <= kEceBodyBytesMax);
  RC_ASSERT(padding == EceSender::Padding::none || body.size() % kEcePaddingQuantumBytes == 0);
  return body;
}

/// The header's fields, as read by `decrypt`.
struct Header {
  std::string_view salt;
  std::uint32_t record_bytes = 0;
  std::string_view as_public;
  std::string_view record;
};

Result<Header> parse_header(std::string_view body) {
  if (body.size() > kEceBodyBytesMax) {
    return Error{"push message: " + std::to_string(body.size()) + " bytes, more than " +
                 std::to_string(kEceBodyBytesMax)};
  }
  if (body.size() < kEceHeaderBytes) {
    return Error{"push message: " + std::to_string(body.size()) +
                 " bytes, shorter than its 86-byte header"};
  }
  Header h;
  h.salt = body.substr(0, kEceSaltBytes);
  for (std::size_t i = 16; i < 20; ++i)
    h.record_bytes = (h.record_bytes << 8) | static_cast<unsigned char>(body[i]);
  const auto idlen = static_cast<unsigned char>(body[20]);
  h.as_public = body.substr(21, kP256PointBytes);
  h.record = body.substr(kEceHeaderBytes);
  if (h.record_bytes < kRecordBytesMin)
    return Error{"push message: record size " + std::to_string(h.record_bytes) + " is below 18"};
  if (idlen != kP256PointBytes)
    return Error{"push message: key id of " + std::to_string(idlen) + " bytes, not 65"};
  if (!is_p256_point(h.as_public)) return Error{"push message: the key id is not a P-256 point"};
  if (h.record.size() < kEceTagBytes + 1)
    return Error{"push message: the record is shorter than its tag and delimiter"};
  if (h.record.size() > h.record_bytes)
    return Error{"push message: more than one record (Web Push sends one)"};
  return h;
}

}  // namespace

bool is_p256_point(std::string_view raw) {
  return p256::is_point(raw);
}

Result<std::string> encrypt(std::string_view plaintext, std::string_view ua_public,
                            std::string_view auth_secret) {
  Status valid = check_message(plaintext, ua_public, auth_secret);
  if (!valid) return Error{valid.error()};
  const ossl::Pkey as_key = p256::generate();
  std::string salt(kEceSaltBytes, '\0');
  randombytes_buf(salt.data(), salt.size());
  return seal_message(plaintext, ua_public, auth_secret, as_key.get(), salt,
                      EceSender::Padding::to_quantum);
}

Result<std::string> encrypt_with(std::string_view plaintext, std::string_view ua_public,
                                 std::string_view auth_secret, const EceSender& sender) {
  Status valid = check_message(plaintext, ua_public, auth_secret);
  if (!valid) return Error{valid.error()};
  if (sender.salt.size() != kEceSaltBytes) {
    return Error{"push message salt must be 16 bytes, it has " +
                 std::to_string(sender.salt.size())};
  }
  Result<ossl::Pkey> as_key = p256::from_private(sender.private_key);
  if (!as_key) return Error{"push sender key: " + as_key.error()};
  return seal_message(plaintext, ua_public, auth_secret, as_key->get(), sender.salt,
                      sender.padding);
}

Result<std::string> decrypt(std::string_view body, std::string_view ua_private_key,
                            std::string_view auth_secret) {
  if (auth_secret.size() != kEceAuthSecretBytes) return Error{"the auth secret must be 16 bytes"};
  Result<ossl::Pkey> ua_key = p256::from_private(ua_private_key);
  if (!ua_key) return Error{"push subscription key: " + ua_key.error()};
  Result<Header> h = parse_header(body);
  if (!h) return Error{h.error()};
  Result<ossl::Pkey> as_key = p256::from_public(h->as_public);
  if (!as_key) return Error{"push message: " + as_key.error()};
  Result<std::string> ecdh = p256::shared_secret(ua_key->get(), as_key->get());
  if (!ecdh) return Error{ecdh.error()};
  const std::string ua_public = p256::public_point(ua_key->get());
  const ContentKeys keys = derive_keys({.ecdh_secret = *ecdh,
                                        .auth_secret = auth_secret,
                                        .ua_public = ua_public,
                                        .as_public = h->as_public,
                                        .salt = h->salt});
  bytes::wipe(*ecdh);
  Result<std::string> content = open(keys, h->record);
  if (!content) return Error{content.error()};
  Result<std::string> plaintext = unpad(*content);
  bytes::wipe(*content);
  return plaintext;
}

}  // namespace rollcall::push

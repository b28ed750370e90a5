#pragma once
/// The server's VAPID identity (RFC 8292): a P-256 key pair that signs the ES256
/// JWT every push request carries, so a push service can tell this server's
/// requests from anyone else's.
///
/// The private key lives in the data directory as `vapid_private_key.pem` (an
/// unencrypted PKCS#8 PEM, mode 0600), created on first start and read back on
/// every later one; browsers' subscriptions are bound to its public key, so losing
/// the file orphans every subscription.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace rollcall::push {

class VapidKeys {
 public:
  /// The key file's name inside the data directory.
  static constexpr std::string_view kFileName = "vapid_private_key.pem";
  /// Larger files are refused unread (a P-256 PKCS#8 PEM is 241 bytes).
  static constexpr std::size_t kFileBytesMax = 16 * 1024;

  /// Reads `data_dir/vapid_private_key.pem`, or creates it if it does not exist.
  /// Creation is atomic and durable (a temporary file, fsync, rename, fsync of the
  /// directory; mode 0600 whatever the umask). An existing file must be a regular
  /// file (not a symbolic link) that group and others cannot access, of at most
  /// kFileBytesMax bytes, holding one unencrypted PEM private key on P-256 (PKCS#8,
  /// or the SEC 1 "EC PRIVATE KEY" form `openssl ecparam -genkey` writes) that
  /// passes OpenSSL's full check (scalar range, point, the pair matching).
  /// Otherwise the Error names the file and what is wrong. The caller holds the
  /// data directory's lock.
  static Result<VapidKeys> load_or_create(const std::string& data_dir);

  /// The key pair whose private key is `private_key`, the 32-byte big-endian
  /// scalar (tests, fixed keys). Error: not 32 bytes, zero, or not below the
  /// curve's order.
  static Result<VapidKeys> from_private_key(std::string_view private_key);

  /// A fresh random key pair, in memory only.
  static VapidKeys generate();

  /// Copies share the (immutable, reference-counted) OpenSSL key; any copy may sign
  /// on any thread. A moved-from value may only be assigned to or destroyed.
  VapidKeys(const VapidKeys& other);
  VapidKeys& operator=(const VapidKeys& other);
  VapidKeys(VapidKeys&&) noexcept = default;
  VapidKeys& operator=(VapidKeys&&) noexcept = default;
  ~VapidKeys() = default;

  /// The public key, 65 bytes: 0x04 | x | y (the uncompressed point).
  const std::string& public_key() const { return public_key_; }
  /// base64url of public_key() without padding: the `applicationServerKey`
  /// browsers subscribe with, and what `GET /api/v1/push/vapid-public-key` returns.
  std::string public_key_b64url() const;

  /// The ES256 JWT for one push service: header `{"typ":"JWT","alg":"ES256"}`,
  /// claims `{"aud":audience,"exp":expires_at_s,"sub":subject}` (strings JSON
  /// escaped), signature r | s (32 bytes each), each part base64url without
  /// padding. `audience` is the origin of the subscription's endpoint
  /// (`https://host[:port]`); `subject` a `mailto:` or `https:` contact;
  /// `expires_at_s` Unix seconds (> 0), which the caller keeps within 24 h of now:
  /// push services refuse tokens that live longer (RFC 8292 section 2).
  std::string jwt(std::string_view audience, std::string_view subject,
                  std::int64_t expires_at_s) const;

  /// The `Authorization` header value: `vapid t=<jwt>, k=<public_key_b64url()>`.
  std::string authorization(std::string_view audience, std::string_view subject,
                            std::int64_t expires_at_s) const;

 private:
  struct KeyFree {
    void operator()(evp_pkey_st* key) const;
  };
  using KeyPtr = std::unique_ptr<evp_pkey_st, KeyFree>;

  explicit VapidKeys(KeyPtr key);
  /// The private key as the key file holds it (PKCS#8 PEM).
  std::string private_key_pem() const;

  KeyPtr key_;
  std::string public_key_;
};

}  // namespace rollcall::push

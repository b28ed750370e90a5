// VapidKeys and its file in the data directory: load, create, the PEM forms.
#include <openssl/err.h>
#include <openssl/pem.h>

#include "rollcall/auth/secret.hpp"
#include "rollcall/push/vapid.hpp"
#include "src/push/bytes.hpp"
#include "src/push/ossl.hpp"
#include "src/push/p256.hpp"

namespace rollcall::push {

namespace {

constexpr std::string_view kKind = "VAPID key file";

/// PEM's passphrase callback: never a passphrase, so an encrypted key fails to
/// load instead of OpenSSL prompting on the terminal.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

/// The P-256 private key in `pem`, or what is wrong with it (a phrase that follows
/// the file's name).
Result<ossl::Pkey> parse_pem(std::string_view pem) {
  ossl::Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  RC_ASSERT(bio != nullptr);
  ossl::Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (key == nullptr) {
    return Error{"is not an unencrypted PEM private key (" + ossl::take_error() + ")"};
  }
  if (!p256::is_p256(key.get())) {
    return Error{"holds a key that is not on P-256 (type " +
                 std::string(EVP_PKEY_get0_type_name(key.get())) + ")"};
  }
  // The full check: the scalar's range, the point on the curve, and that the
  // stored public point is the private key's.
  ossl::Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  RC_ASSERT(ctx != nullptr);
  if (EVP_PKEY_check(ctx.get()) != 1) {
    return Error{"holds an invalid P-256 key (" + ossl::take_error() + ")"};
  }
  return key;
}

}  // namespace

std::string VapidKeys::private_key_pem() const {
  RC_ASSERT(key_ != nullptr);
  ossl::Owned<BIO> bio(BIO_new(BIO_s_mem()));
  RC_ASSERT(bio != nullptr);
  const int written =
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  RC_ASSERT(written == 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  RC_ASSERT(size > 0);
  RC_ASSERT(data != nullptr);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<VapidKeys> VapidKeys::load_or_create(const std::string& data_dir) {
  const auth::PrivateFile file{data_dir + "/" + std::string(kFileName), kKind, kFileBytesMax};
  Result<std::optional<std::string>> stored = auth::read_private_file(file);
  if (!stored) return Error{stored.error()};
  if (stored->has_value()) {
    Result<ossl::Pkey> key = parse_pem(**stored);
    bytes::wipe(**stored);
    if (!key) return Error{std::string(kKind) + " " + file.path + " " + key.error()};
    return VapidKeys(KeyPtr(key->release()));
  }
  VapidKeys keys = generate();
  std::string pem = keys.private_key_pem();
  // Check before writing what later starts will read back.
  Result<ossl::Pkey> reread = parse_pem(pem);
  RC_ASSERT(reread.ok());
  RC_ASSERT(p256::public_point(reread->get()) == keys.public_key());
  Status written = auth::write_private_file(file, pem);
  bytes::wipe(pem);
  if (!written) return Error{written.error()};
  return keys;
}

}  // namespace rollcall::push

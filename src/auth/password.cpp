#include "rollcall/auth/password.hpp"

#include <sodium.h>

#include <cstring>

namespace rollcall::auth {

namespace {
/// Never a null pointer, even for an empty view.
const char* bytes_of(std::string_view s) {
  return s.empty() ? "" : s.data();
}
}  // namespace

std::string hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, bytes_of(password), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return {};
  }
  return std::string(out);
}

bool verify_password(std::string_view encoded_hash, std::string_view password) {
  // crypto_pwhash_str_verify wants a NUL-terminated string of < STRBYTES chars.
  char hash[crypto_pwhash_STRBYTES];
  if (encoded_hash.empty() || encoded_hash.size() >= sizeof hash) return false;
  if (encoded_hash.find('\0') != std::string_view::npos) return false;
  std::memcpy(hash, encoded_hash.data(), encoded_hash.size());
  hash[encoded_hash.size()] = '\0';
  return crypto_pwhash_str_verify(hash, bytes_of(password), password.size()) == 0;
}

bool verify_against_dummy(std::string_view password) {
  static const std::string dummy_hash = [] {
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    char hex[sizeof secret * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);
    return hash_password(hex);
  }();
  // The password was random and is gone: nothing can match it, but the work is real.
  (void)verify_password(dummy_hash, password);
  return false;
}

}  // namespace rollcall::auth

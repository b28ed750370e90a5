#include "rollcall/auth/password.hpp"

#include <sodium.h>

#include <cstring>
#include <optional>

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

namespace {

// The check itself; nullopt when `encoded_hash` cannot be checked at all.
std::optional<bool> check(std::string_view encoded_hash, std::string_view password) {
  // crypto_pwhash_str_verify wants a NUL-terminated string of < STRBYTES chars.
  char hash[crypto_pwhash_STRBYTES];
  if (encoded_hash.empty() || encoded_hash.size() >= sizeof hash) return std::nullopt;
  if (encoded_hash.find('\0') != std::string_view::npos) return std::nullopt;
  std::memcpy(hash, encoded_hash.data(), encoded_hash.size());
  hash[encoded_hash.size()] = '\0';
  // A hash libsodium cannot parse would fail at once, without the work.
  if (crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                     crypto_pwhash_MEMLIMIT_INTERACTIVE) == -1) {
    return std::nullopt;
  }
  return crypto_pwhash_str_verify(hash, bytes_of(password), password.size()) == 0;
}

const std::string& dummy_hash() {
  static const std::string hash = [] {
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    char hex[sizeof secret * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);
    return hash_password(hex);
  }();
  return hash;
}

}  // namespace

bool verify_password(std::string_view encoded_hash, std::string_view password) {
  if (const std::optional<bool> ok = check(encoded_hash, password)) return *ok;
  // No hash (a disabled account) or a broken one: spend the same work anyway, so the
  // answer's timing does not tell such accounts apart.
  return verify_against_dummy(password);
}

bool verify_against_dummy(std::string_view password) {
  // The password was random and is gone: nothing can match it, but the work is real.
  (void)check(dummy_hash(), password);
  return false;
}

}  // namespace rollcall::auth

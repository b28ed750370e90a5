#pragma once
/// The one place where bytes held as `char` (std::string, std::string_view) become
/// the `unsigned char*` that OpenSSL and libsodium take. Internal to src/push.

#include <sodium.h>

#include <string>
#include <string_view>

namespace rollcall::push::bytes {

/// `bytes` as the C libraries' input type.
inline const unsigned char* in(std::string_view bytes) {
  return reinterpret_cast<const unsigned char*>(bytes.data());
}

/// `buffer`'s storage as the C libraries' output type (write at most buffer.size()).
inline unsigned char* out(std::string& buffer) {
  return reinterpret_cast<unsigned char*>(buffer.data());
}

/// Clears `secret` (a key, PEM text) before its memory is freed or reused.
inline void wipe(std::string& secret) {
  sodium_memzero(secret.data(), secret.size());
}

}  // namespace rollcall::push::bytes

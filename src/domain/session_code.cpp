#include "rollcall/domain/session_code.hpp"

#include <sodium.h>

#include <array>
#include <cstdio>

#include "rollcall/common/assert.hpp"

namespace rollcall::domain {

std::int64_t code_window(std::int64_t at_ms, std::uint32_t rotation_s) {
  RC_ASSERT(rotation_s > 0);
  if (at_ms < 0) return 0;
  return at_ms / (static_cast<std::int64_t>(rotation_s) * 1000);
}

bool valid_code_seed(std::string_view seed) {
  if (seed.size() != kCodeSeedChars) return false;
  for (const char c : seed) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string rotating_code(std::string_view seed, std::int64_t window) {
  RC_ASSERT(valid_code_seed(seed));
  std::array<unsigned char, 8> message{};
  const auto w = static_cast<std::uint64_t>(window);
  for (std::size_t i = 0; i < message.size(); ++i)
    message[i] = static_cast<unsigned char>(w >> (8 * i));
  std::array<unsigned char, crypto_generichash_BYTES_MIN> digest{};  // 16: the least BLAKE2b gives
  const int rc =
      crypto_generichash(digest.data(), digest.size(), message.data(), message.size(),
                         reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  RC_ASSERT(rc == 0);
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(digest[i]) << (8 * i);
  char code[8];
  std::snprintf(code, sizeof code, "%06u", static_cast<unsigned>(n % 1000000));
  return code;
}

}  // namespace rollcall::domain

#include "rollcall/auth/codes.hpp"

#include <sodium.h>

#include <cstdint>

#include "rollcall/domain/session_code.hpp"

namespace rollcall::auth {

std::string new_verification_code() {
  std::uint32_t n = randombytes_uniform(1000000);
  std::string code(6, '0');
  for (std::size_t i = code.size(); i-- > 0; n /= 10) code[i] = static_cast<char>('0' + n % 10);
  return code;
}

std::string new_join_code() {
  static_assert(kJoinCodeAlphabet.size() == 32);
  std::string code(kJoinCodeLength, '\0');
  for (char& c : code) c = kJoinCodeAlphabet[randombytes_uniform(kJoinCodeAlphabet.size())];
  return code;
}

std::string new_code_seed() {
  unsigned char bytes[domain::kCodeSeedChars / 2];
  randombytes_buf(bytes, sizeof bytes);
  char hex[domain::kCodeSeedChars + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string(hex, domain::kCodeSeedChars);
}

}  // namespace rollcall::auth

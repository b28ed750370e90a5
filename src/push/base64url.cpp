#include "rollcall/push/base64url.hpp"

#include <sodium.h>

#include "rollcall/common/assert.hpp"
#include "src/push/bytes.hpp"

namespace rollcall::push {

std::string base64url_encode(std::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  // sodium_bin2base64 writes a terminating NUL: room for it, then drop it.
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes::in(bytes), bytes.size(), kVariant);
  text.pop_back();
  RC_ASSERT(text.size() == (bytes.size() * 4 + 2) / 3);
  return text;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  // With padding, the length is a multiple of 4 and libsodium's padded variant
  // checks that the '='s are exactly those needed; without, the unpadded variant
  // refuses any '='. b64_end == nullptr: every character must be consumed, and
  // libsodium refuses unused bits that are not zero.
  const bool padded = text.find('=') != std::string_view::npos;
  if (padded && text.size() % 4 != 0) return std::nullopt;
  const int variant =
      padded ? sodium_base64_VARIANT_URLSAFE : sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string bytes(text.size() / 4 * 3 + 2, '\0');
  std::size_t size = 0;
  if (sodium_base642bin(bytes::out(bytes), bytes.size(), text.data(), text.size(), nullptr, &size,
                        nullptr, variant) != 0) {
    return std::nullopt;
  }
  RC_ASSERT(size <= bytes.size());
  bytes.resize(size);
  return bytes;
}

}  // namespace rollcall::push

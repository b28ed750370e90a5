#pragma once
// Byte classes shared by the request parser and the chunked decoder (internal to
// src/http): one 256-entry table, one load per byte instead of a chain of compares.

#include <array>
#include <cstdint>
#include <string_view>

namespace rollcall::http::chars {

enum : std::uint16_t {
  kTchar = 1,   // RFC 9110 token character
  kValue = 2,   // field-value byte: HTAB, SP, VCHAR, obs-text
  kTarget = 4,  // request-target byte: VCHAR only (no UTF-8, controls or space)
  kOws = 8,     // SP or HTAB
  kDigit = 16,
  kScheme = 32,   // URI scheme character after the first: ALPHA / DIGIT / "+" / "-" / "."
  kPath = 64,     // kTarget except '?' and '#': the path part of an origin-form target
  kQdtext = 128,  // quoted-string byte other than '"' and '\\'
  kHex = 256,
};

constexpr bool is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_digit(int c) {
  return c >= '0' && c <= '9';
}

constexpr std::array<std::uint16_t, 256> make_classes() {
  std::array<std::uint16_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint16_t bits = 0;
    bool tchar = is_alpha(c) || is_digit(c);
    for (char s : std::string_view("!#$%&'*+-.^_`|~")) tchar = tchar || c == s;
    const bool value = c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7F);
    if (tchar) bits |= kTchar;
    if (value) bits |= kValue;
    if (c >= 0x21 && c <= 0x7E) bits |= kTarget;
    if (c >= 0x21 && c <= 0x7E && c != '?' && c != '#') bits |= kPath;
    if (c == ' ' || c == '\t') bits |= kOws;
    if (is_digit(c)) bits |= kDigit;
    if (is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.') bits |= kScheme;
    if (value && c != '"' && c != '\\') bits |= kQdtext;
    if (is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) bits |= kHex;
    t[static_cast<std::size_t>(c)] = bits;
  }
  return t;
}
inline constexpr auto kClass = make_classes();

inline bool has(unsigned char c, std::uint16_t cls) {
  return (kClass[c] & cls) != 0;
}

}  // namespace rollcall::http::chars

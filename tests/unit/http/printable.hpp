#pragma once
// Test helper: bytes shown with non-printable ones as \xNN, for failure messages.

#include <cstdio>
#include <string>
#include <string_view>

namespace rollcall::http::testing {

inline std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace rollcall::http::testing

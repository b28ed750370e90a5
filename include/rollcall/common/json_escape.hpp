#pragma once
/// Appends `text` to `out` as the inside of a JSON string (no surrounding quotes):
/// quote, backslash and control characters escaped; bytes >= 0x80 passed through
/// (callers hand in UTF-8). Templated on the output so it works with any buffer
/// that has append(const char*, size_t) and push_back(char).

#include <string_view>

namespace rollcall {

template <typename Out>
void append_json_escaped(Out& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out.append("\\\"", 2); break;
      case '\\': out.append("\\\\", 2); break;
      case '\n': out.append("\\n", 2); break;
      case '\r': out.append("\\r", 2); break;
      case '\t': out.append("\\t", 2); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(esc, 6);
      }
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

}  // namespace rollcall

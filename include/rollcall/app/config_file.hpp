#pragma once
/// `rollcall serve --config FILE`: the file's syntax and limits, nothing about which
/// keys exist (serve_flags.cpp maps each key to its flag and validates the value
/// exactly as on the command line).
///
/// Format, one setting per line:
///   key = value        key: a serve flag's name without the leading "--"
///   # comment          only as the first non-blank character of a line
///   (blank line)       ignored
/// Whitespace (spaces, tabs, a CR of CRLF endings) around key and value is trimmed.
/// Values are taken literally: no quotes, no escapes, no inline comments (a `#`
/// after a value is part of the value). The first `=` splits key from value.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/result.hpp"

namespace rollcall::app {

/// Hard limits: a larger file or a longer line is refused, naming the limit.
inline constexpr std::size_t kConfigFileBytesMax = 64 * 1024;
inline constexpr std::size_t kConfigLineBytesMax = 4096;

/// One `key = value` line.
struct ConfigEntry {
  std::string key;
  std::string value;
  std::size_t line = 0;  ///< 1-based
};

/// Parses the text of a config file. Errors are `LINE: what` (the caller prefixes
/// the file's path): a line without `=`, an empty key, a line over the limit, a NUL
/// byte.
Result<std::vector<ConfigEntry>> parse_config_text(std::string_view text);

/// Reads and parses `path`. Errors begin with `path` (and `:LINE` for a line):
/// missing, unreadable, not a regular file, larger than kConfigFileBytesMax.
Result<std::vector<ConfigEntry>> read_config_file(const std::string& path);

}  // namespace rollcall::app

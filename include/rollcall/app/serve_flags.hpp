#pragma once
/// `rollcall serve`'s flags, as one table: each flag's name, the ServeConfig member
/// it sets, its accepted range or check, and its help. The parser, `--help` and
/// the defaults shown there all come from that table (the defaults themselves from
/// ServeConfig, which takes them from the parts it configures). The same table
/// names the config file's keys and the ROLLCALL_<FLAG> environment variables.

#include <cstddef>
#include <string>
#include <vector>

#include "rollcall/app/config.hpp"
#include "rollcall/common/result.hpp"

namespace rollcall::app {

/// Fills `out` (which holds the defaults) from, highest precedence first: the
/// command line `args[start..]`, the ROLLCALL_<FLAG> variables of `environment`
/// (NAME=VALUE strings; other variables are ignored), and the config file named by
/// --config or ROLLCALL_CONFIG (config_file.hpp). A flag set by a higher source
/// replaces the lower ones' values, all of them for a repeatable flag. Every value
/// is checked as the flag checks it, also one that is overridden. Sets `help` and
/// stops at --help/-h before reading anything else. Errors name the flag and what
/// is wrong, prefixed with `PATH:LINE: ` or `ROLLCALL_X: ` for a value from there.
Status parse_serve_flags(const std::vector<std::string>& args, std::size_t start,
                         const std::vector<std::string>& environment, ServeConfig& out, bool& help);

/// `rollcall serve --help`.
std::string serve_help();

}  // namespace rollcall::app

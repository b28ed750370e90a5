#pragma once
/// `rollcall serve`'s flags, as one table: each flag's name, the ServeConfig member
/// it sets, its accepted range or check, and its help. The parser, `--help` and
/// the defaults shown there all come from that table (the defaults themselves from
/// ServeConfig, which takes them from the parts it configures).

#include <cstddef>
#include <string>
#include <vector>

#include "rollcall/app/config.hpp"
#include "rollcall/common/result.hpp"

namespace rollcall::app {

/// Parses `args[start..]` into `out` (which holds the defaults). Sets `help` and
/// stops at --help/-h. Errors name the flag and what is wrong.
Status parse_serve_flags(const std::vector<std::string>& args, std::size_t start, ServeConfig& out,
                         bool& help);

/// `rollcall serve --help`.
std::string serve_help();

}  // namespace rollcall::app

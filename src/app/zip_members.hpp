#pragma once
/// Named members of a zip archive held in memory (libzip): how a OneRoster export
/// arrives as a zip, from `rollcall import --oneroster FILE.zip` or an upload.
/// Members are matched by file name in any folder; each name must occur once.
/// Sizes are checked against `member_bytes_max` as declared and again while
/// inflating, so a zip bomb costs at most that much memory per member.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/result.hpp"

namespace rollcall::app {

/// Archives with more entries than this are refused.
inline constexpr std::size_t kZipEntriesMax = 10000;

/// The members called `names` (by their last path component), name -> content.
/// Errors name the archive (`label`) and the member.
Result<std::map<std::string, std::string>> zip_members(std::string_view archive,
                                                       const std::vector<std::string>& names,
                                                       std::size_t member_bytes_max,
                                                       const std::string& label);

}  // namespace rollcall::app

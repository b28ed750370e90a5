#pragma once
// Where a OneRoster 1.1 CSV export comes from: a directory of the three files, a zip
// file, or a zip already in memory (an upload). Shared by `rollcall import` and
// POST /api/v1/admin/oneroster, with the same limits.

#include <cstddef>
#include <string>
#include <string_view>

#include "rollcall/app/oneroster.hpp"
#include "rollcall/common/result.hpp"

namespace rollcall::app {

/// Largest CSV file taken, in a directory or inflated from a zip.
inline constexpr std::size_t kOneRosterFileBytesMax = 256ull << 20;

/// The three files of `archive` (zip bytes; `label` names it in errors).
Result<OneRosterFiles> oneroster_from_zip(std::string_view archive, const std::string& label);

/// A directory holding the three files, or a zip file of at most 64 MiB.
Result<OneRosterFiles> read_oneroster(const std::string& source);

/// A new user's initial password: 12 characters over the join-code alphabet (no
/// 0/O, 1/I), 60 bits.
std::string new_initial_password();

}  // namespace rollcall::app

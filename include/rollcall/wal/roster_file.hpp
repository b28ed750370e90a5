#pragma once
/// The roster as a JSON file (it holds password hashes: always written 0600).
///
/// Where it lives: `<data-dir>/roster.json` is what seeding (`--demo`) and imports
/// write; once the log has a generation, the roster in force is
/// `<data-dir>/wal/<gen>/roster.json` (see store.hpp) plus the enrollments in the
/// generation's log.

#include <memory>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::wal {

std::string encode_roster(const domain::Roster& roster);
/// The Error says what is wrong (callers add the file name).
Result<std::shared_ptr<const domain::Roster>> decode_roster(std::string_view json);

/// Reads and decodes a roster file.
Result<std::shared_ptr<const domain::Roster>> read_roster_file(const std::string& path);
/// Encodes and writes atomically and durably (0600).
Status write_roster_file(const std::string& path, const domain::Roster& roster);

/// `<data-dir>/roster.json`
std::string seed_roster_path(const std::string& data_dir);
/// The roster file in force: the current generation's, else the seed file; "" if neither exists.
std::string active_roster_path(const std::string& data_dir);

}  // namespace rollcall::wal

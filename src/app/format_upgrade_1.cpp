// Data format 1 -> 2: sessions may rotate their 6-digit code (API.md §4
// `rotating_code`). The log gains a session_opened layout (record type 15: the
// code's seed and window) and snapshots a version 5 that carries them. This
// rollcall still reads format 1's type-2 records and version 1-4 snapshots as they
// are, so nothing is rewritten: the number goes up so that a rollcall from before
// refuses the directory instead of taking type 15 for damage.

#include "rollcall/app/data_format.hpp"

namespace rollcall::app {

Status upgrade_1_to_2(const std::string& data_dir) {
  (void)data_dir;
  return Ok{};
}

}  // namespace rollcall::app

#pragma once
/// `rollcall wal verify` and `rollcall wal dump`: offline checks of a data directory.

#include <string>

namespace rollcall::app {

/// Recovers the data directory without changing it; prints one line per shard and
/// torn tails; 0 if it would start, 1 (with the file and offset) if it is corrupt.
int run_wal_verify(const std::string& data_dir);
/// Prints every log record of the current generation as one JSON object per line.
int run_wal_dump(const std::string& data_dir);

}  // namespace rollcall::app

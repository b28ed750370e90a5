#pragma once
/// Reading the data directory's current generation back (see store.hpp), without
/// replaying anything: per shard, the newest snapshot that checks out and the
/// commands logged after it; the roster as of the newest roster checkpoint.
///
/// Shards are read in parallel, one thread each. The scanner hands over a batch
/// only once its Commit is intact. A torn tail (an incomplete last batch of a
/// shard's newest segment: a crash during a write nobody was told had succeeded) is
/// dropped and reported; anything else that does not check out (a damaged record
/// before the end, a missing segment, an LSN gap, a payload that does not decode)
/// is corruption: reading fails and the Error names the file and byte offset.
/// Limitation: damage inside the very last batch cannot be told from a torn write,
/// so that batch is dropped (reported) even if it had been acknowledged.

#include <memory>
#include <string>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/storage/engine.hpp"

namespace rollcall::wal {

/// Reads `data_dir`. With no generation yet, the result has generation 0 and
/// `seed` as its roster.
Result<storage::Stored> read_generation(const std::string& data_dir,
                                        std::shared_ptr<const domain::Roster> seed);

}  // namespace rollcall::wal

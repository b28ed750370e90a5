#include "rollcall/wal/checkpointer.hpp"

#include <filesystem>

#include "rollcall/common/log.hpp"
#include "rollcall/wal/push_file.hpp"
#include "rollcall/wal/roster_file.hpp"
#include "rollcall/wal/snapshot.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::wal {

Result<std::size_t> Checkpointer::write(std::uint64_t covered_lsn,
                                        const storage::Checkpoint& image) const {
  // The roster owner's enrollments of this generation live in its log; keep them
  // with the snapshot before the segments holding them go away.
  if (image.roster != nullptr) {
    const std::string roster_path = dir_ + "/" + roster_snapshot_file_name(covered_lsn);
    if (Status s = write_roster_file(roster_path, *image.roster); !s) return Error{s.error()};
  }
  if (image.push != nullptr) {
    const std::string push_path = dir_ + "/" + push_snapshot_file_name(covered_lsn);
    if (Status s = write_push_file(push_path, *image.push); !s) return Error{s.error()};
  }
  // The live-update history first. Without it the snapshot is still taken: that
  // only costs resumability (the next run gives these classes new epochs, clients
  // get a fresh snapshot), never data.
  const std::string feeds_path = dir_ + "/" + feeds_file_name(covered_lsn);
  if (Status s = write_file_atomically(feeds_path, image.feeds); !s) {
    log::warn("feeds_snapshot_failed",
              {{"shard", shard_},
               {"error", s.error()},
               {"effect", "clients resuming after a restart get a fresh snapshot"}});
    std::error_code ignored;
    std::filesystem::remove(feeds_path, ignored);
  }
  const std::string bytes =
      encode_snapshot(SnapshotHeader{shard_, generation_, covered_lsn}, image.classes);
  if (Status s = write_file_atomically(dir_ + "/" + snapshot_file_name(covered_lsn), bytes); !s) {
    return Error{s.error()};
  }
  remove_older(covered_lsn);
  return bytes.size();
}

void Checkpointer::remove_older(std::uint64_t covered_lsn) const {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    std::uint64_t n = 0;
    const bool older = (parse_numbered_name(name, "snap-", ".snap", n) ||
                        parse_numbered_name(name, "roster-", ".json", n) ||
                        parse_numbered_name(name, "push-", ".bin", n) ||
                        parse_numbered_name(name, "feeds-", ".bin", n)) &&
                       n != covered_lsn;
    if (older) std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace rollcall::wal

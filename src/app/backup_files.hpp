#pragma once
/// The files of a data directory that a backup copies, opened before any is read,
/// so that what the server deletes meanwhile (old segments after a snapshot, an old
/// generation after a restart) stays readable through the open descriptors.
///
/// What is copied: the data format file, the top-level keys and roster
/// (`format.json`, `jwt.secret`, `vapid_private_key.pem`, `roster.json`; each only
/// if present), `wal/CURRENT`, and the current
/// generation: its roster and push directory and every shard's snapshots and log
/// segments (temporary `*.tmp` files are not). Everything but the segments is
/// written once, atomically, and never changes. A segment may be appended to while
/// it is read: only its prefix of complete batches is taken (wal::scan_segment),
/// which holds every batch made durable before the backup began. The segments of
/// shards 1..n-1 are read before shard 0's: an enrollment (logged on shard 0)
/// precedes the class's `class_joined` on its own shard, so the copy never holds a
/// join without its enrollment, the same states a crash can leave.

#include <cstdint>
#include <string>
#include <vector>

#include "rollcall/common/result.hpp"

namespace rollcall::app {

struct HeldFile {
  HeldFile(std::string p, int f, bool seg) : path(std::move(p)), fd(f), segment(seg) {}
  HeldFile(HeldFile&& o) noexcept : path(std::move(o.path)), fd(o.fd), segment(o.segment) {
    o.fd = -1;
  }
  HeldFile& operator=(HeldFile&&) = delete;
  HeldFile(const HeldFile&) = delete;
  ~HeldFile();

  std::string path;  ///< relative to the data directory
  int fd = -1;
  bool segment = false;
};

struct HeldSet {
  std::uint64_t generation = 0;
  std::vector<HeldFile> files;  ///< in the order they are to be read
};

/// Lists and opens the files. Retries (a few times) when a listed file vanished
/// before it could be opened; fails when the directory holds no rollcall data.
Result<HeldSet> hold_backup_files(const std::string& data_dir);

/// The bytes of a held file to copy: all of it, or a segment's complete batches
/// (none for a segment whose header is not written yet: it is left out).
Result<std::string> read_held(const HeldFile& file);

}  // namespace rollcall::app

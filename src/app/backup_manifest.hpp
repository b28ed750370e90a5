#pragma once
/// The manifest of a backup file (`rollcall backup`): which files it holds, each
/// with its size and SHA-256, so that `rollcall restore` can prove every byte it
/// writes is the byte that was read. Stored as the archive's `manifest.json`.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/result.hpp"

namespace rollcall::app {

inline constexpr std::string_view kManifestName = "manifest.json";
inline constexpr std::string_view kBackupFormat = "rollcall-backup";
inline constexpr std::uint32_t kBackupVersion = 1;
/// Files one backup may hold (a data directory has a few per shard).
inline constexpr std::size_t kBackupFilesMax = 100000;
inline constexpr std::size_t kManifestBytesMax = 16u << 20;

struct ManifestEntry {
  std::string path;  ///< relative to the data directory, `/`-separated
  std::uint64_t bytes = 0;
  std::string sha256;  ///< 64 lower-case hex digits
};

struct Manifest {
  std::int64_t created_ms = 0;
  std::string rollcall_version;
  std::uint64_t generation = 0;  ///< the log generation copied
  /// The data directory's format version (app/data_format.hpp); 0 in a backup made
  /// before rollcall recorded it (such a directory is format 1).
  std::uint32_t data_format = 0;
  std::vector<ManifestEntry> files;
};

std::string encode_manifest(const Manifest& m);
Result<Manifest> parse_manifest(std::string_view json);

/// A path a backup may hold: relative, `/`-separated, no empty, `.` or `..`
/// component, only [A-Za-z0-9._-] characters, at most 255 bytes.
bool is_backup_path(std::string_view path);

/// SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace rollcall::app

#pragma once
/// Snapshots: the full attendance state of a set of classes at a log position, so
/// recovery is "latest valid snapshot + the log after it".
///
/// File (`snap-<lsn:020>.snap`), little-endian, encoded like records.hpp:
///   magic "RCALSNAP" (8), format version (u8 = 5; 1 to 4 are still read), reserved (3, zero),
///   shard (u32), generation (u64), covered LSN (u64: every record up to and
///   including it is in the snapshot), class count (u32), then per class:
///     class id (u64), session count (u32), per session:
///       id (u64), open (u8), starts_at_ms (i64), closed_at_ms (i64),
///       late_after_minutes (u32), verification code (string),
///       [v5] code seed (string), code rotation in s (u32) (a rotating code's; "" and 0: static)
///       record count (u32), per record (ascending by student id):
///         student (u64), status (u8), method (u8), check_in_time_ms (optional i64),
///         is_late (u8), late_minutes (u32), is_manual_override (u8),
///         override_reason (optional string), timestamp_ms (i64),
///         [v2] override_at_ms (i64), override_op (string),
///         [v3] offline (u8), sync_changes (u32), [v4] override_sync_changes (u32),
///         [v5] remaining_absent (u8: a bulk "mark remaining" absent)
///       audit count (u32), per entry: at_ms (i64), actor (u64), student (u64),
///         from (u8), to (u8), method (u8), reason (optional string), [v3] offline (u8)
///     [v2] applied op count (u32), per synced op applied (oldest first): user (u64),
///       op_id (string), session (u64), student (u64)
///   then CRC32C (u32) of every preceding byte of the file.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/attendance.hpp"

namespace rollcall::wal {

struct SnapshotHeader {
  std::uint32_t shard = 0;
  std::uint64_t generation = 0;
  std::uint64_t covered_lsn = 0;
};

/// Serialises `classes` (in the given order) into a complete snapshot file image.
std::string encode_snapshot(const SnapshotHeader& header,
                            const std::vector<const domain::ClassAttendance*>& classes);

struct DecodedSnapshot {
  SnapshotHeader header;
  std::vector<domain::ClassAttendance> classes;
};

/// Parses and verifies (magic, version, CRC, structure) a snapshot file image.
/// The Error says what is wrong (callers add the file name).
Result<DecodedSnapshot> decode_snapshot(std::string_view bytes);

}  // namespace rollcall::wal

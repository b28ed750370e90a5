#pragma once
/// The payloads of log records: each record is one domain command
/// (domain/commands.hpp), encoded from the command's own field list, so that the
/// encoder, the decoder and `rollcall wal dump` can never disagree.
///
/// Encoding (little-endian), field by field in list order: ids u64; u32/u64 as
/// such; times i64 ms since the epoch; enums u8 (their domain values); strings u32
/// length + bytes; an optional string or status is a u8 flag (0 absent, 1 present)
/// then the value; bulk items are a u32 count then (student u64, status u8,
/// optional reason) each; a student list is a u32 count then ascending u64 ids (a
/// logged command always carries its lists); a roster is a string, the roster
/// file's JSON (roster_file.hpp), decoded when read.
///
/// Record types: session_opened 2, bulk_applied 5, session_closed 6, enrolled 7,
/// class_joined 8, checked_in 9, overridden 10, push_subscribed 11,
/// push_unsubscribed 12, push_preferences_set 13, roster_imported 14 (booleans are a u8 0/1). Types
/// 3 and 4 are the live-only check-in and override of logs written before there was one type for
/// both; they are still read (as a CheckIn with op_id "", an Override made at its now_ms).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rollcall/domain/commands.hpp"
#include "rollcall/wal/format.hpp"

namespace rollcall::wal {

/// The record type a command is stored as.
RecordType type_of(const domain::Command& c);
/// Appends the payload of `c` to `out`. `c` must be well formed.
void encode(std::string& out, const domain::Command& c);
/// Decodes a payload of `type`; nullopt if malformed (wrong length, bad enum value,
/// trailing bytes, not well formed) or `type` is Commit / unknown.
std::optional<domain::Command> decode(RecordType type, std::string_view payload);
/// One JSON object describing `c` (for `rollcall wal dump`): its name as "type",
/// then its fields by name. Without the LSN.
std::string to_json(const domain::Command& c);

/// The Commit record's payload.
struct CommitRecord {
  std::uint64_t batch_first_lsn = 0;
  std::uint32_t batch_records = 0;
};
std::optional<CommitRecord> decode_commit(std::string_view payload);

}  // namespace rollcall::wal

#pragma once
/// The push directory (domain/push.hpp) as a file: what a generation starts from
/// (`<gen>/push.bin`) and what the roster owner keeps with each of its snapshots
/// (`shard-0/push-<lsn:020>.bin`); the log's push records after that come on top.
///
/// Format, little-endian: magic "RCPUSH01" (8), the next subscription id (u64), an
/// entry count (u32), then per entry a record type (u8), a payload length (u32) and
/// the payload, each entry one command in the log's own encoding (records.hpp):
/// first every user's preferences that are not the default (push_preferences_set),
/// then every subscription (push_subscribed, ascending id); then CRC32C (u32) of
/// every preceding byte. It holds the subscriptions' auth secrets: written 0600.

#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/push.hpp"

namespace rollcall::wal {

std::string encode_push_directory(const domain::PushDirectory& directory);
/// The Error says what is wrong (callers add the file name).
Result<domain::PushDirectory> decode_push_directory(std::string_view bytes);

/// Reads a push file; a missing file is an empty directory (data written before
/// there were push subscriptions).
Result<domain::PushDirectory> read_push_file(const std::string& path);
/// Encodes and writes atomically and durably (0600).
Status write_push_file(const std::string& path, const domain::PushDirectory& directory);

}  // namespace rollcall::wal

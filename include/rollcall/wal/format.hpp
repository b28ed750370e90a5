#pragma once
/// The log's on-disk format: segment headers, record framing, and scanning a segment
/// to tell a clean end, a torn tail and corruption apart.
///
/// Segment file (`<first_lsn:020>.wal`), little-endian throughout:
///
///   header, 64 bytes:
///     0  magic "RCALLWAL" (8)      8  format version (u8, = 1)   9  reserved (7, zero)
///     16 shard id (u32)            20 reserved (4, zero)
///     24 generation (u64)          32 first LSN (u64)
///     40 reserved (20, zero)       60 CRC32C of bytes [0, 60) (u32)
///   then records, each starting at an 8-byte-aligned offset:
///     0  payload length (u32)      4  type (u8)    5 flags (u8, zero)   6 reserved (u16, zero)
///     8  LSN (u64)                 16 CRC32C of bytes [0, 16) followed by the payload (u32)
///     20 reserved (u32, zero)      24 payload, then zero padding to a multiple of 8
///   then zeros (the segment is preallocated) to the end of the file.
///
/// LSNs are per shard, start at 1 and increase by exactly 1 per record. Records are
/// appended in batches (one group commit each); every batch ends with a Commit record
/// whose payload is the batch's first LSN (u64) and record count (u32, the Commit
/// included). A batch is atomic: recovery applies a record only if its batch's Commit
/// is intact.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace rollcall::wal {

inline constexpr std::size_t kSegmentHeaderBytes = 64;
inline constexpr std::size_t kRecordHeaderBytes = 24;
inline constexpr std::size_t kRecordAlignment = 8;
inline constexpr std::uint32_t kRecordPayloadBytesMax = 16 * 1024 * 1024;
inline constexpr std::uint8_t kFormatVersion = 1;

/// Record types. The payload of each is defined in records.hpp.
enum class RecordType : std::uint8_t {
  Commit = 1,
  LegacySessionOpened = 2,  ///< read only: a session opened before codes could rotate
  LegacyCheckedIn = 3,      ///< read only: a live check-in, before one type served all
  LegacyOverridden = 4,     ///< read only: a live override, likewise
  BulkApplied = 5,
  SessionClosed = 6,
  Enrolled = 7,
  ClassJoined = 8,      ///< a class's owner announced a join (keeps live-update seqs replayable)
  CheckedIn = 9,        ///< a check-in, live or offline (the former offline-only layout)
  Overridden = 10,      ///< an override, live or offline (likewise)
  PushSubscribed = 11,  ///< the roster owner's push directory (domain/push.hpp)
  PushUnsubscribed = 12,
  PushPreferencesSet = 13,
  RosterImported = 14,  ///< a roster import applied while running: the whole roster
  SessionOpened = 15,   ///< a session opened, its code static or rotating (data format 2)
};
bool is_known(std::uint8_t type);
const char* to_string(RecordType type);

struct SegmentHeader {
  std::uint32_t shard = 0;
  std::uint64_t generation = 0;
  std::uint64_t first_lsn = 1;
};

/// Writes the 64-byte header into `out` (appended).
void append_segment_header(std::string& out, const SegmentHeader& header);
/// Parses and checks (magic, version, CRC) a header; false if invalid.
bool parse_segment_header(std::string_view bytes, SegmentHeader& out);

/// Size on disk of a record with `payload_bytes` of payload (header + padding).
constexpr std::size_t record_bytes(std::size_t payload_bytes) {
  return (kRecordHeaderBytes + payload_bytes + kRecordAlignment - 1) / kRecordAlignment *
         kRecordAlignment;
}

/// Appends one framed record (header, payload, padding) to `out`.
void append_record(std::string& out, RecordType type, std::uint64_t lsn, std::string_view payload);

/// Appends the Commit record that closes a batch.
void append_commit(std::string& out, std::uint64_t lsn, std::uint64_t batch_first_lsn,
                   std::uint32_t batch_records);

/// A record found by the scanner. `payload` points into the scanned bytes.
struct ScannedRecord {
  RecordType type;
  std::uint64_t lsn;
  std::string_view payload;
  std::size_t offset;  ///< of the record header in the segment
};

/// How a segment ended.
struct ScanResult {
  enum class End : std::uint8_t {
    Clean,     ///< after the last committed batch, only zeros (or the end of the file)
    TornTail,  ///< a bad or partial record with no complete batch after it: what a
               ///< crash during the last (never acknowledged) write leaves
    Corrupt,   ///< a bad record followed by a complete later batch, or an LSN gap,
               ///< or a bad header: acknowledged data is damaged
  };
  End end = End::Clean;
  /// Byte offset just past the last record of the last intact batch: where appending
  /// resumes (and where a torn tail is truncated).
  std::size_t valid_bytes = kSegmentHeaderBytes;
  std::uint64_t last_lsn = 0;  ///< last LSN of the last intact batch (0 if none)
  std::size_t bad_offset = 0;  ///< TornTail/Corrupt: offset of the first bad byte found
  std::string reason;          ///< TornTail/Corrupt: what is wrong there
  std::size_t records = 0;     ///< records delivered (Commit records included)
};

/// Scans a whole segment (`bytes` = the file's contents, header included). Calls
/// `on_record` for every record of every intact batch, in order (Commit records
/// included), only after the batch's Commit was verified. `expected_first_lsn`: the
/// LSN the first record must have (the header's first LSN).
ScanResult scan_segment(std::string_view bytes,
                        const std::function<void(const ScannedRecord&)>& on_record);

}  // namespace rollcall::wal

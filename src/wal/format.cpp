#include "rollcall/wal/format.hpp"

#include <cstring>
#include <vector>

#include "rollcall/wal/crc32c.hpp"

namespace rollcall::wal {

namespace {

constexpr char kSegmentMagic[8] = {'R', 'C', 'A', 'L', 'L', 'W', 'A', 'L'};
constexpr std::size_t kHeaderCrcOffset = 60;
constexpr std::size_t kRecordCrcOffset = 16;
constexpr std::uint32_t kCommitPayloadBytes = 12;

void put_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void put_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
std::uint16_t get_u16(const char* p) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) |
                                    static_cast<unsigned char>(p[1]) << 8);
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

bool all_zero(const char* p, std::size_t n) {
  // Word-at-a-time: the preallocated tail of a segment can be megabytes.
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if (w != 0) return false;
    p += 8;
    n -= 8;
  }
  while (n != 0) {
    if (*p++ != 0) return false;
    --n;
  }
  return true;
}

std::uint32_t record_crc(const char* header, std::string_view payload) {
  return crc32c(payload.data(), payload.size(), crc32c(header, kRecordCrcOffset));
}

// The fixed fields of one record header, as read from disk.
struct RawHeader {
  std::uint32_t length;
  std::uint8_t type;
  std::uint8_t flags;
  std::uint16_t reserved;
  std::uint64_t lsn;
  std::uint32_t crc;
  std::uint32_t reserved2;
};

RawHeader read_header(const char* p) {
  return RawHeader{get_u32(p),
                   static_cast<std::uint8_t>(p[4]),
                   static_cast<std::uint8_t>(p[5]),
                   get_u16(p + 6),
                   get_u64(p + 8),
                   get_u32(p + 16),
                   get_u32(p + 20)};
}

// A Commit payload's fields are consistent with the Commit's own LSN: the Commit is
// the last record of its batch.
bool commit_consistent(std::uint64_t lsn, std::uint64_t first, std::uint32_t count) {
  return count != 0 && first != 0 && first <= lsn && lsn - first == count - 1;
}

// Is there, at an 8-aligned offset after `from`, an intact Commit of a batch that
// starts after `next_lsn`? Cheap field checks come before the CRC.
bool later_batch_exists(std::string_view bytes, std::size_t from, std::uint64_t next_lsn) {
  const std::size_t need = record_bytes(kCommitPayloadBytes);
  std::size_t y = (from + kRecordAlignment) / kRecordAlignment * kRecordAlignment;
  for (; y + need <= bytes.size(); y += kRecordAlignment) {
    const char* p = bytes.data() + y;
    if (get_u32(p) != kCommitPayloadBytes ||
        static_cast<std::uint8_t>(p[4]) != static_cast<std::uint8_t>(RecordType::Commit))
      continue;
    const RawHeader h = read_header(p);
    if (h.flags != 0 || h.reserved != 0 || h.reserved2 != 0) continue;
    const std::uint64_t first = get_u64(p + kRecordHeaderBytes);
    const std::uint32_t count = get_u32(p + kRecordHeaderBytes + 8);
    if (first <= next_lsn || !commit_consistent(h.lsn, first, count)) continue;
    if (record_crc(p, bytes.substr(y + kRecordHeaderBytes, kCommitPayloadBytes)) != h.crc) continue;
    return true;
  }
  return false;
}

using OnRecord = std::function<void(const ScannedRecord&)>;

ScanResult bad_segment_header() {
  ScanResult result;
  result.end = ScanResult::End::Corrupt;
  result.valid_bytes = 0;
  result.bad_offset = 0;
  result.reason = "bad segment header (magic, version, reserved fields or CRC)";
  return result;
}

// What a record boundary holds: another record's header, the clean end of the
// records, or an end that is bad (`reason` says why).
enum class Boundary : std::uint8_t { Record, CleanEnd, BadEnd };

// Classifies the boundary `rest` starts at (it runs to the end of the file), with
// `batch_records` records of the batch starting at `next_batch_lsn` not yet committed.
Boundary classify_boundary(std::string_view rest, std::size_t batch_records,
                           std::uint64_t next_batch_lsn, std::string& reason) {
  if (rest.empty()) {
    if (batch_records == 0) return Boundary::CleanEnd;  // exactly the end of the file
    reason = "batch of LSN " + std::to_string(next_batch_lsn) +
             " has no commit before the end of the file";
    return Boundary::BadEnd;
  }
  const std::size_t left = rest.size();
  const char* p = rest.data();
  // The preallocated tail: a zero length and type at a record boundary, then zeros
  // to the end of the file. A zero header with anything non-zero after it is not.
  if (left < 5 || (get_u32(p) == 0 && p[4] == 0)) {
    if (all_zero(p, left)) {
      if (batch_records == 0) return Boundary::CleanEnd;
      reason = "batch of LSN " + std::to_string(next_batch_lsn) +
               " has no commit before the zero-filled tail";
      return Boundary::BadEnd;
    }
    if (left >= 5) {
      reason = "non-zero bytes after a zero record header";
      return Boundary::BadEnd;
    }
  }
  if (left < kRecordHeaderBytes) {
    reason = "truncated record header";
    return Boundary::BadEnd;
  }
  return Boundary::Record;
}

// Checks the framing of the record `rest` starts with (its header `h`): size, type,
// reserved fields and CRC. True when it is intact, else false with `reason`.
// Per record, like add_record(): both are forced inline into the loop, which GCC
// does not do by itself (their messages make them look big), and out of line the
// scan runs over 10% slower (BM_WalScanSegment).
[[gnu::always_inline]] inline bool check_frame(std::string_view rest, const RawHeader& h,
                                               std::string& reason) {
  if (h.length > kRecordPayloadBytesMax) {
    reason = "payload length " + std::to_string(h.length) + " exceeds the maximum";
    return false;
  }
  const std::size_t framed = record_bytes(h.length);
  if (framed > rest.size()) {
    reason = "record of " + std::to_string(framed) + " bytes extends past the end of the file";
    return false;
  }
  if (!is_known(h.type)) {
    reason = "unknown record type " + std::to_string(h.type);
    return false;
  }
  if (h.flags != 0 || h.reserved != 0 || h.reserved2 != 0) {
    reason = "non-zero flags or reserved fields";
    return false;
  }
  if (record_crc(rest.data(), rest.substr(kRecordHeaderBytes, h.length)) != h.crc) {
    reason = "CRC mismatch";
    return false;
  }
  return true;
}

// One scan of a segment's records. A batch's records are held back until its Commit
// checked out, then delivered together.
class SegmentScan {
 public:
  SegmentScan(std::string_view bytes, std::uint64_t first_lsn, const OnRecord& on_record)
      : bytes_(bytes), on_record_(on_record), next_batch_lsn_(first_lsn) {}

  ScanResult run();

 private:
  bool add_record(const RawHeader& h, std::string& reason);
  bool commit_batch(std::uint64_t commit_lsn, std::string_view commit_payload, std::string& reason);
  ScanResult bad_record(const std::string& reason);

  std::string_view bytes_;
  const OnRecord& on_record_;
  ScanResult result_;
  // The LSN the next batch must start with: the header's first LSN, then last + 1.
  std::uint64_t next_batch_lsn_;
  std::vector<ScannedRecord> batch_;  // records of the batch in progress, not yet delivered
  std::size_t offset_ = kSegmentHeaderBytes;
};

ScanResult SegmentScan::run() {
  std::string reason;
  for (;;) {
    const std::string_view rest = bytes_.substr(offset_);
    const Boundary boundary = classify_boundary(rest, batch_.size(), next_batch_lsn_, reason);
    if (boundary == Boundary::CleanEnd) return result_;
    if (boundary == Boundary::BadEnd) break;
    const RawHeader h = read_header(rest.data());
    if (!check_frame(rest, h, reason) || !add_record(h, reason)) break;
    offset_ += record_bytes(h.length);
  }
  return bad_record(reason);
}

// Adds the intact record at offset_ (header `h`) to the batch in progress, checking
// its place in the sequence. False (with `reason`) if it does not fit.
[[gnu::always_inline]] inline bool SegmentScan::add_record(const RawHeader& h,
                                                           std::string& reason) {
  const std::uint64_t expected_lsn = next_batch_lsn_ + batch_.size();
  if (h.lsn != expected_lsn) {
    reason = "LSN " + std::to_string(h.lsn) + ", expected " + std::to_string(expected_lsn);
    return false;
  }
  const auto type = static_cast<RecordType>(h.type);
  if (type == RecordType::Commit && h.length != kCommitPayloadBytes) {
    reason = "commit payload of " + std::to_string(h.length) + " bytes";
    return false;
  }
  const std::string_view payload = bytes_.substr(offset_ + kRecordHeaderBytes, h.length);
  batch_.push_back(ScannedRecord{type, h.lsn, payload, offset_});
  return type != RecordType::Commit || commit_batch(h.lsn, payload, reason);
}

// The batch in progress ends with the Commit at offset_: if the Commit names exactly
// that batch, delivers it; else false (with `reason`).
bool SegmentScan::commit_batch(std::uint64_t commit_lsn, std::string_view commit_payload,
                               std::string& reason) {
  const std::uint64_t first = get_u64(commit_payload.data());
  const std::uint32_t count = get_u32(commit_payload.data() + 8);
  if (first != next_batch_lsn_ || count != batch_.size()) {
    reason = "commit names a batch of " + std::to_string(count) + " records from LSN " +
             std::to_string(first) + ", but the batch has " + std::to_string(batch_.size()) +
             " from LSN " + std::to_string(next_batch_lsn_);
    return false;
  }
  if (on_record_) {
    for (const ScannedRecord& r : batch_) on_record_(r);
  }
  result_.records += batch_.size();
  result_.last_lsn = commit_lsn;
  result_.valid_bytes = offset_ + record_bytes(commit_payload.size());
  next_batch_lsn_ = commit_lsn + 1;
  batch_.clear();
  return true;
}

// Invalid data at offset_. A torn write can only damage the last batch; an intact
// batch after the damage means the log lost something it had acknowledged.
ScanResult SegmentScan::bad_record(const std::string& reason) {
  result_.bad_offset = offset_;
  result_.reason = "record at offset " + std::to_string(offset_) + ": " + reason;
  if (later_batch_exists(bytes_, offset_, next_batch_lsn_)) {
    result_.end = ScanResult::End::Corrupt;
    result_.reason += "; later batches exist, so acknowledged data is damaged";
  } else {
    result_.end = ScanResult::End::TornTail;
  }
  return result_;
}

}  // namespace

bool is_known(std::uint8_t type) {
  return type >= static_cast<std::uint8_t>(RecordType::Commit) &&
         type <= static_cast<std::uint8_t>(RecordType::SessionOpened);
}

const char* to_string(RecordType type) {
  switch (type) {
    case RecordType::Commit: return "commit";
    case RecordType::LegacySessionOpened: return "session_opened (v1)";
    case RecordType::LegacyCheckedIn: return "checked_in (v1)";
    case RecordType::LegacyOverridden: return "overridden (v1)";
    case RecordType::BulkApplied: return "bulk_applied";
    case RecordType::SessionClosed: return "session_closed";
    case RecordType::Enrolled: return "enrolled";
    case RecordType::ClassJoined: return "class_joined";
    case RecordType::CheckedIn: return "checked_in";
    case RecordType::Overridden: return "overridden";
    case RecordType::PushSubscribed: return "push_subscribed";
    case RecordType::PushUnsubscribed: return "push_unsubscribed";
    case RecordType::PushPreferencesSet: return "push_preferences_set";
    case RecordType::RosterImported: return "roster_imported";
    case RecordType::SessionOpened: return "session_opened";
  }
  return "unknown";
}

void append_segment_header(std::string& out, const SegmentHeader& header) {
  char h[kSegmentHeaderBytes] = {};
  std::memcpy(h, kSegmentMagic, sizeof kSegmentMagic);
  h[8] = static_cast<char>(kFormatVersion);
  put_u32(h + 16, header.shard);
  put_u64(h + 24, header.generation);
  put_u64(h + 32, header.first_lsn);
  put_u32(h + kHeaderCrcOffset, crc32c(h, kHeaderCrcOffset));
  out.append(h, sizeof h);
}

bool parse_segment_header(std::string_view bytes, SegmentHeader& out) {
  if (bytes.size() < kSegmentHeaderBytes) return false;
  const char* h = bytes.data();
  if (crc32c(h, kHeaderCrcOffset) != get_u32(h + kHeaderCrcOffset)) return false;
  if (std::memcmp(h, kSegmentMagic, sizeof kSegmentMagic) != 0) return false;
  if (static_cast<std::uint8_t>(h[8]) != kFormatVersion) return false;
  if (!all_zero(h + 9, 7) || !all_zero(h + 20, 4) || !all_zero(h + 40, 20)) return false;
  const std::uint64_t first_lsn = get_u64(h + 32);
  if (first_lsn == 0) return false;  // LSNs start at 1
  out.shard = get_u32(h + 16);
  out.generation = get_u64(h + 24);
  out.first_lsn = first_lsn;
  return true;
}

void append_record(std::string& out, RecordType type, std::uint64_t lsn, std::string_view payload) {
  char h[kRecordHeaderBytes] = {};
  put_u32(h, static_cast<std::uint32_t>(payload.size()));
  h[4] = static_cast<char>(type);
  put_u64(h + 8, lsn);
  put_u32(h + kRecordCrcOffset, record_crc(h, payload));
  out.append(h, sizeof h);
  out.append(payload);
  out.append(record_bytes(payload.size()) - kRecordHeaderBytes - payload.size(), '\0');
}

void append_commit(std::string& out, std::uint64_t lsn, std::uint64_t batch_first_lsn,
                   std::uint32_t batch_records) {
  char p[kCommitPayloadBytes];
  put_u64(p, batch_first_lsn);
  put_u32(p + 8, batch_records);
  append_record(out, RecordType::Commit, lsn, std::string_view(p, sizeof p));
}

ScanResult scan_segment(std::string_view bytes,
                        const std::function<void(const ScannedRecord&)>& on_record) {
  SegmentHeader header;
  if (!parse_segment_header(bytes, header)) return bad_segment_header();
  return SegmentScan(bytes, header.first_lsn, on_record).run();
}

}  // namespace rollcall::wal

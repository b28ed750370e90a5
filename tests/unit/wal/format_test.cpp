#include "rollcall/wal/format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "rollcall/wal/crc32c.hpp"

namespace rollcall::wal {
namespace {

using End = ScanResult::End;

// A segment image plus where everything in it is.
struct Segment {
  std::string bytes;
  std::uint64_t next_lsn = 1;
  std::vector<std::size_t> batch_start;             // offset of each batch's first record
  std::vector<std::size_t> batch_end;               // offset just past each batch's Commit
  std::vector<std::uint64_t> batch_last_lsn;        // the Commit's LSN
  std::vector<std::vector<std::size_t>> record_at;  // offsets of each batch's records (Commit last)

  explicit Segment(std::uint64_t first_lsn = 1, std::uint32_t shard = 3,
                   std::uint64_t generation = 7)
      : next_lsn(first_lsn) {
    append_segment_header(bytes, SegmentHeader{shard, generation, first_lsn});
  }

  // One batch: a record per payload, then its Commit.
  void batch(const std::vector<std::string>& payloads, RecordType type = RecordType::CheckedIn) {
    const std::uint64_t first = next_lsn;
    batch_start.push_back(bytes.size());
    record_at.emplace_back();
    for (const std::string& p : payloads) {
      record_at.back().push_back(bytes.size());
      append_record(bytes, type, next_lsn++, p);
    }
    record_at.back().push_back(bytes.size());
    append_commit(bytes, next_lsn, first, static_cast<std::uint32_t>(payloads.size() + 1));
    batch_last_lsn.push_back(next_lsn++);
    batch_end.push_back(bytes.size());
  }
  void batch_of(std::size_t records, std::size_t payload_bytes = 37) {
    std::vector<std::string> payloads;
    for (std::size_t i = 0; i < records; ++i) {
      payloads.push_back(std::string(payload_bytes, static_cast<char>('a' + (next_lsn + i) % 26)));
    }
    batch(payloads);
  }
};

struct Delivered {
  RecordType type;
  std::uint64_t lsn;
  std::string payload;
  std::size_t offset;
};

struct Scan {
  ScanResult result;
  std::vector<Delivered> records;
};

Scan scan(std::string_view bytes) {
  Scan s;
  s.result = scan_segment(bytes, [&](const ScannedRecord& r) {
    // Payloads are views into the scanned bytes.
    EXPECT_GE(r.payload.data(), bytes.data());
    EXPECT_LE(r.payload.data() + r.payload.size(), bytes.data() + bytes.size());
    s.records.push_back({r.type, r.lsn, std::string(r.payload), r.offset});
  });
  EXPECT_EQ(s.result.records, s.records.size());
  return s;
}

// Recomputes the CRC of the record at `offset` after a test edited its fields, so
// only the edit (not a CRC mismatch) makes it invalid.
void refresh_crc(std::string& bytes, std::size_t offset) {
  std::uint32_t length;
  std::memcpy(&length, bytes.data() + offset, 4);
  std::uint32_t crc = crc32c(bytes.data() + offset, 16);
  crc = crc32c(bytes.data() + offset + kRecordHeaderBytes, length, crc);
  std::memcpy(bytes.data() + offset + 16, &crc, 4);
}

void put_u64_at(std::string& bytes, std::size_t offset, std::uint64_t v) {
  std::memcpy(bytes.data() + offset, &v, 8);
}
void put_u32_at(std::string& bytes, std::size_t offset, std::uint32_t v) {
  std::memcpy(bytes.data() + offset, &v, 4);
}

// Expects exactly the first `batches` batches of `seg` to have been delivered.
void expect_batches(const Scan& s, const Segment& seg, std::size_t batches) {
  std::size_t n = 0;
  for (std::size_t b = 0; b < batches; ++b) n += seg.record_at[b].size();
  ASSERT_EQ(s.records.size(), n);
  std::size_t i = 0;
  for (std::size_t b = 0; b < batches; ++b) {
    for (std::size_t k = 0; k < seg.record_at[b].size(); ++k, ++i) {
      EXPECT_EQ(s.records[i].offset, seg.record_at[b][k]);
      EXPECT_EQ(s.records[i].type,
                k + 1 == seg.record_at[b].size() ? RecordType::Commit : RecordType::CheckedIn);
    }
  }
  for (std::size_t j = 1; j < s.records.size(); ++j)
    EXPECT_EQ(s.records[j].lsn, s.records[j - 1].lsn + 1);
  EXPECT_EQ(s.result.valid_bytes, batches == 0 ? kSegmentHeaderBytes : seg.batch_end[batches - 1]);
  EXPECT_EQ(s.result.last_lsn, batches == 0 ? 0 : seg.batch_last_lsn[batches - 1]);
}

Segment four_batches() {
  Segment seg;
  seg.batch_of(3);
  seg.batch_of(1, 0);
  seg.batch({});  // a Commit alone is a batch of one
  seg.batch_of(5, 101);
  return seg;
}

TEST(WalFormatTest, SegmentHeaderRoundTripsAndRejectsDamage) {
  std::string bytes;
  append_segment_header(bytes, SegmentHeader{9, 0x1122334455667788ull, 4242});
  ASSERT_EQ(bytes.size(), kSegmentHeaderBytes);
  EXPECT_EQ(bytes.substr(0, 8), "RCALLWAL");
  EXPECT_EQ(bytes[8], 1);
  SegmentHeader h;
  ASSERT_TRUE(parse_segment_header(bytes, h));
  EXPECT_EQ(h.shard, 9u);
  EXPECT_EQ(h.generation, 0x1122334455667788ull);
  EXPECT_EQ(h.first_lsn, 4242u);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    EXPECT_FALSE(parse_segment_header(bad, h)) << "byte " << i;
  }
  EXPECT_FALSE(parse_segment_header(std::string_view(bytes).substr(0, 63), h));
  std::string wrong_version = bytes;
  wrong_version[8] = 2;
  put_u32_at(wrong_version, 60, crc32c(wrong_version.data(), 60));
  EXPECT_FALSE(parse_segment_header(wrong_version, h));
}

TEST(WalFormatTest, RecordFramingLayout) {
  std::string out;
  append_record(out, RecordType::Overridden, 77, "hello");
  ASSERT_EQ(out.size(), record_bytes(5));
  EXPECT_EQ(out.size(), 32u);
  std::uint32_t len;
  std::memcpy(&len, out.data(), 4);
  EXPECT_EQ(len, 5u);
  EXPECT_EQ(out[4], static_cast<char>(RecordType::Overridden));
  EXPECT_EQ(out[5], 0);
  std::uint64_t lsn;
  std::memcpy(&lsn, out.data() + 8, 8);
  EXPECT_EQ(lsn, 77u);
  EXPECT_EQ(out.substr(24, 5), "hello");
  EXPECT_EQ(out.substr(29), std::string(3, '\0'));
  std::uint32_t crc;
  std::memcpy(&crc, out.data() + 16, 4);
  EXPECT_EQ(crc, crc32c("hello", 5, crc32c(out.data(), 16)));
  EXPECT_EQ(record_bytes(0), 24u);
  EXPECT_EQ(record_bytes(8), 32u);
  EXPECT_EQ(record_bytes(9), 40u);

  std::string commit;
  append_commit(commit, 10, 8, 3);
  ASSERT_EQ(commit.size(), record_bytes(12));
  std::uint64_t first;
  std::memcpy(&first, commit.data() + 24, 8);
  std::uint32_t count;
  std::memcpy(&count, commit.data() + 32, 4);
  EXPECT_EQ(first, 8u);
  EXPECT_EQ(count, 3u);
}

TEST(WalFormatTest, RecordTypeNames) {
  EXPECT_TRUE(is_known(1));
  EXPECT_TRUE(is_known(7));
  EXPECT_TRUE(is_known(8));
  EXPECT_TRUE(is_known(10));
  EXPECT_FALSE(is_known(0));
  EXPECT_TRUE(is_known(11));
  EXPECT_TRUE(is_known(13));
  EXPECT_TRUE(is_known(14));
  EXPECT_TRUE(is_known(15));
  EXPECT_FALSE(is_known(16));
  EXPECT_STREQ(to_string(RecordType::Commit), "commit");
  EXPECT_STREQ(to_string(RecordType::SessionOpened), "session_opened");
  EXPECT_STREQ(to_string(RecordType::BulkApplied), "bulk_applied");
  EXPECT_STREQ(to_string(RecordType::SessionClosed), "session_closed");
  EXPECT_STREQ(to_string(RecordType::Enrolled), "enrolled");
  EXPECT_STREQ(to_string(RecordType::ClassJoined), "class_joined");
  EXPECT_STREQ(to_string(RecordType::CheckedIn), "checked_in");
  EXPECT_STREQ(to_string(RecordType::Overridden), "overridden");
  EXPECT_STREQ(to_string(RecordType::PushSubscribed), "push_subscribed");
  EXPECT_STREQ(to_string(RecordType::PushUnsubscribed), "push_unsubscribed");
  EXPECT_STREQ(to_string(RecordType::PushPreferencesSet), "push_preferences_set");
  EXPECT_STREQ(to_string(RecordType::RosterImported), "roster_imported");
  EXPECT_EQ(static_cast<int>(RecordType::SessionOpened), 15);
  EXPECT_EQ(static_cast<int>(RecordType::LegacySessionOpened), 2);
  EXPECT_STREQ(to_string(RecordType::LegacySessionOpened), "session_opened (v1)");
  // The read-only legacy types keep their numbers and say what they are.
  EXPECT_EQ(static_cast<int>(RecordType::LegacyCheckedIn), 3);
  EXPECT_EQ(static_cast<int>(RecordType::LegacyOverridden), 4);
  EXPECT_EQ(static_cast<int>(RecordType::CheckedIn), 9);
  EXPECT_EQ(static_cast<int>(RecordType::Overridden), 10);
  EXPECT_STREQ(to_string(RecordType::LegacyCheckedIn), "checked_in (v1)");
  EXPECT_STREQ(to_string(RecordType::LegacyOverridden), "overridden (v1)");
  for (int t = 1; t <= 10; ++t) EXPECT_TRUE(is_known(static_cast<std::uint8_t>(t))) << t;
  EXPECT_STREQ(to_string(static_cast<RecordType>(16)), "unknown");
}

TEST(WalScanTest, CleanSegmentDeliversEveryBatch) {
  const Segment seg = four_batches();
  const Scan s = scan(seg.bytes);
  EXPECT_EQ(s.result.end, End::Clean);
  expect_batches(s, seg, 4);
  EXPECT_EQ(s.result.valid_bytes, seg.bytes.size());
  EXPECT_EQ(s.result.last_lsn, 13u);  // 4 + 2 + 1 + 6 records
  EXPECT_EQ(s.records.front().lsn, 1u);
  EXPECT_EQ(s.records.front().payload, std::string(37, 'b'));
  EXPECT_EQ(s.records[4].payload, "");
}

TEST(WalScanTest, EmptySegmentIsClean) {
  Segment seg;
  Scan s = scan(seg.bytes);
  EXPECT_EQ(s.result.end, End::Clean);
  expect_batches(s, seg, 0);
  seg.bytes.append(1 << 16, '\0');
  s = scan(seg.bytes);
  EXPECT_EQ(s.result.end, End::Clean);
  expect_batches(s, seg, 0);
}

TEST(WalScanTest, ZeroFilledTailIsClean) {
  Segment seg = four_batches();
  const std::size_t end = seg.bytes.size();
  for (std::size_t tail : {8u, 24u, 1000u, 1u << 20}) {
    std::string bytes = seg.bytes + std::string(tail, '\0');
    const Scan s = scan(bytes);
    EXPECT_EQ(s.result.end, End::Clean) << tail;
    expect_batches(s, seg, 4);
    EXPECT_EQ(s.result.valid_bytes, end);
  }
}

TEST(WalScanTest, HeaderFirstLsnIsWhereLsnsStart) {
  Segment seg(1000);
  seg.batch_of(2);
  seg.batch_of(2);
  Scan s = scan(seg.bytes);
  EXPECT_EQ(s.result.end, End::Clean);
  EXPECT_EQ(s.records.front().lsn, 1000u);
  EXPECT_EQ(s.result.last_lsn, 1005u);

  // A first record that does not carry the header's first LSN is not accepted.
  Segment wrong(1000);
  wrong.next_lsn = 999;
  wrong.batch_of(2);
  s = scan(wrong.bytes);
  EXPECT_NE(s.result.end, End::Clean);
  EXPECT_EQ(s.result.bad_offset, kSegmentHeaderBytes);
  EXPECT_TRUE(s.records.empty());
}

TEST(WalScanTest, CrashInsideTheLastBatchIsATornTail) {
  Segment seg;
  seg.batch_of(2);
  seg.batch_of(3, 50);
  seg.batch_of(4, 77);  // the batch being written when the power went
  const std::size_t start = seg.batch_start[2];
  const std::size_t end = seg.batch_end[2];
  for (std::size_t cut = start + 1; cut < end; ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    // The file ends at the cut...
    Scan s = scan(std::string_view(seg.bytes).substr(0, cut));
    EXPECT_EQ(s.result.end, End::TornTail) << s.result.reason;
    expect_batches(s, seg, 2);
    EXPECT_EQ(s.result.valid_bytes, start);
    EXPECT_GE(s.result.bad_offset, start);
    // ...or the preallocated zeros follow it.
    std::string zeroed = seg.bytes.substr(0, cut) + std::string(end - cut + 4096, '\0');
    s = scan(zeroed);
    if (std::memcmp(zeroed.data(), seg.bytes.data(), end) == 0)
      continue;  // the cut only lost zero padding
    EXPECT_EQ(s.result.end, End::TornTail) << s.result.reason;
    expect_batches(s, seg, 2);
  }
  // Cut exactly at a batch boundary: nothing torn.
  const Scan s = scan(std::string_view(seg.bytes).substr(0, start));
  EXPECT_EQ(s.result.end, End::Clean);
  expect_batches(s, seg, 2);
}

TEST(WalScanTest, RecordsWithoutACommitAreNotDelivered) {
  Segment seg;
  seg.batch_of(2);
  const std::size_t committed = seg.bytes.size();
  append_record(seg.bytes, RecordType::CheckedIn, seg.next_lsn, "pending");
  append_record(seg.bytes, RecordType::CheckedIn, seg.next_lsn + 1, "pending");
  const std::size_t end = seg.bytes.size();
  seg.bytes.append(4096, '\0');
  const Scan s = scan(seg.bytes);
  EXPECT_EQ(s.result.end, End::TornTail);
  expect_batches(s, seg, 1);
  EXPECT_EQ(s.result.valid_bytes, committed);
  EXPECT_EQ(s.result.bad_offset, end);
  const Scan at_eof = scan(std::string_view(seg.bytes).substr(0, end));
  EXPECT_EQ(at_eof.result.end, End::TornTail);
  expect_batches(at_eof, seg, 1);
}

TEST(WalScanTest, GarbageAfterTheLastBatchIsATornTail) {
  Segment seg = four_batches();
  const std::size_t end = seg.bytes.size();
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::string bytes = seg.bytes;
    const std::size_t n = 1 + rng() % 3000;
    for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>(1 + rng() % 255));
    const Scan s = scan(bytes);
    EXPECT_EQ(s.result.end, End::TornTail) << s.result.reason;
    expect_batches(s, seg, 4);
    EXPECT_EQ(s.result.bad_offset, end);
  }
  // Zeros, then something non-zero: the zeros were not the preallocated tail.
  std::string bytes = seg.bytes + std::string(100, '\0') + "x";
  Scan s = scan(bytes);
  EXPECT_EQ(s.result.end, End::TornTail);
  EXPECT_EQ(s.result.bad_offset, end);
  expect_batches(s, seg, 4);
  // A few stray bytes too short for a record header.
  s = scan(seg.bytes + "ab");
  EXPECT_EQ(s.result.end, End::TornTail);
  expect_batches(s, seg, 4);
}

TEST(WalScanTest, ZeroedSectorInsideTheLastBatchIsATornTail) {
  Segment seg;
  seg.batch_of(3);
  seg.batch_of(40, 100);  // about 5 KiB: several sectors
  const std::size_t start = seg.batch_start[1];
  const std::size_t end = seg.batch_end[1];
  // Zero one 512-byte sector in the middle; the Commit is still intact.
  const std::size_t sector = (start + (end - start) / 2) / 512 * 512;
  ASSERT_GT(sector, start);
  ASSERT_LT(sector + 512, seg.record_at[1].back());
  std::string bytes = seg.bytes;
  std::memset(bytes.data() + sector, 0, 512);
  bytes.append(8192, '\0');
  const Scan s = scan(bytes);
  EXPECT_EQ(s.result.end, End::TornTail) << s.result.reason;
  expect_batches(s, seg, 1);
  EXPECT_GT(s.result.bad_offset, start);
  EXPECT_LE(s.result.bad_offset, sector + 512);
}

TEST(WalScanTest, FlippedByteInAnEarlyBatchIsCorruption) {
  const Segment seg = four_batches();
  // Every byte of batch 0 (three 37-byte records and the Commit) but the padding,
  // which no CRC covers.
  for (std::size_t at = seg.batch_start[0]; at < seg.batch_end[0]; ++at) {
    std::size_t record = 0;
    for (std::size_t off : seg.record_at[0]) {
      if (off <= at) record = off;
    }
    const std::size_t payload = record == seg.record_at[0].back() ? 12 : 37;
    if (at >= record + kRecordHeaderBytes + payload) continue;
    std::string bytes = seg.bytes;
    bytes[at] ^= 0x04;
    const Scan s = scan(bytes);
    EXPECT_EQ(s.result.end, End::Corrupt) << "byte " << at << ": " << s.result.reason;
    EXPECT_EQ(s.result.bad_offset, record) << "byte " << at;
    EXPECT_TRUE(s.records.empty());
    EXPECT_EQ(s.result.valid_bytes, kSegmentHeaderBytes);
    EXPECT_NE(s.result.reason.find("later batches exist"), std::string::npos);
  }
  // And the LSN of the (empty) record of batch 1.
  std::string bytes = seg.bytes;
  bytes[seg.record_at[1][0] + 9] ^= 0x80;
  const Scan s = scan(bytes);
  EXPECT_EQ(s.result.end, End::Corrupt);
  EXPECT_EQ(s.result.bad_offset, seg.record_at[1][0]);
  expect_batches(s, seg, 1);
}

TEST(WalScanTest, FlippedByteInAnEarlyCommitIsCorruption) {
  const Segment seg = four_batches();
  const std::size_t commit = seg.record_at[1].back();
  for (std::size_t field : {0u, 4u, 8u, 16u, 24u, 32u}) {
    std::string bytes = seg.bytes;
    bytes[commit + field] ^= 0x01;
    const Scan s = scan(bytes);
    EXPECT_EQ(s.result.end, End::Corrupt) << field << ": " << s.result.reason;
    EXPECT_EQ(s.result.bad_offset, commit);
    expect_batches(s, seg, 1);
  }
}

TEST(WalScanTest, LsnGapIsCorruption) {
  Segment seg;
  seg.batch_of(2);
  seg.next_lsn += 1;  // LSN 4 never written
  seg.batch_of(2);
  seg.batch_of(2);
  Scan s = scan(seg.bytes);
  EXPECT_EQ(s.result.end, End::Corrupt) << s.result.reason;
  EXPECT_EQ(s.result.bad_offset, seg.batch_start[1]);
  expect_batches(s, seg, 1);

  // A gap inside a batch (the record after it re-framed with a valid CRC).
  Segment inner;
  inner.batch_of(2);
  inner.batch_of(3);
  inner.batch_of(1);
  std::string bytes = inner.bytes;
  const std::size_t second = inner.record_at[1][1];
  put_u64_at(bytes, second + 8, 7);  // was 5
  refresh_crc(bytes, second);
  s = scan(bytes);
  EXPECT_EQ(s.result.end, End::Corrupt) << s.result.reason;
  EXPECT_EQ(s.result.bad_offset, second);
  expect_batches(s, inner, 1);
}

TEST(WalScanTest, BadHeaderIsCorruption) {
  Segment seg = four_batches();
  seg.bytes[20] = 1;  // a reserved byte
  Scan s = scan(seg.bytes);
  EXPECT_EQ(s.result.end, End::Corrupt);
  EXPECT_EQ(s.result.bad_offset, 0u);
  EXPECT_TRUE(s.records.empty());
  s = scan("RCALLWAL");
  EXPECT_EQ(s.result.end, End::Corrupt);
  s = scan("");
  EXPECT_EQ(s.result.end, End::Corrupt);
}

TEST(WalScanTest, CommitThatDoesNotMatchItsBatchIsInvalid) {
  // The Commit claims 5 records but the batch has 3 (2 + Commit).
  auto build = [](bool later, std::uint64_t claimed_first, std::uint32_t claimed_count) {
    Segment seg;
    seg.batch_of(1);
    seg.batch_start.push_back(seg.bytes.size());
    append_record(seg.bytes, RecordType::CheckedIn, 3, "a");
    append_record(seg.bytes, RecordType::CheckedIn, 4, "b");
    const std::size_t commit = seg.bytes.size();
    append_commit(seg.bytes, 5, claimed_first, claimed_count);
    seg.next_lsn = 6;
    if (later) seg.batch_of(2);
    return std::pair{seg, commit};
  };
  for (const auto& [first, count] :
       {std::pair<std::uint64_t, std::uint32_t>{1, 5}, {4, 2}, {3, 2}, {3, 4}, {5, 1}}) {
    SCOPED_TRACE(std::to_string(first) + "/" + std::to_string(count));
    auto [last, commit] = build(false, first, count);
    Scan s = scan(last.bytes);
    EXPECT_EQ(s.result.end, End::TornTail) << s.result.reason;
    EXPECT_EQ(s.result.bad_offset, commit);
    expect_batches(s, last, 1);
    auto [middle, commit2] = build(true, first, count);
    s = scan(middle.bytes);
    EXPECT_EQ(s.result.end, End::Corrupt) << s.result.reason;
    EXPECT_EQ(s.result.bad_offset, commit2);
    expect_batches(s, middle, 1);
  }
}

TEST(WalScanTest, MalformedRecordHeadersAreInvalid) {
  const Segment base = four_batches();
  const std::size_t at = base.record_at[1][0];
  struct Case {
    const char* name;
    void (*edit)(std::string&, std::size_t);
    bool recrc = true;  // false: the length is bogus, so the CRC cannot be recomputed
  };
  const Case cases[] = {
      {"unknown type", [](std::string& b, std::size_t o) { b[o + 4] = 16; }},
      {"type zero", [](std::string& b, std::size_t o) { b[o + 4] = 0; }},
      {"flags", [](std::string& b, std::size_t o) { b[o + 5] = 1; }},
      {"reserved", [](std::string& b, std::size_t o) { b[o + 7] = 1; }},
      {"reserved2", [](std::string& b, std::size_t o) { b[o + 21] = 1; }},
      {"huge length",
       [](std::string& b, std::size_t o) { put_u32_at(b, o, kRecordPayloadBytesMax + 1); }, false},
      {"length past eof", [](std::string& b, std::size_t o) { put_u32_at(b, o, 1u << 20); }, false},
      {"commit wrong size",
       [](std::string& b, std::size_t o) { b[o + 4] = static_cast<char>(RecordType::Commit); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string bytes = base.bytes;
    c.edit(bytes, at);
    if (c.recrc) refresh_crc(bytes, at);
    Scan s = scan(bytes);
    EXPECT_EQ(s.result.end, End::Corrupt) << s.result.reason;
    EXPECT_EQ(s.result.bad_offset, at);
    expect_batches(s, base, 1);
    // The same damage in the last batch is a torn tail.
    bytes = base.bytes;
    const std::size_t last = base.record_at[3][2];
    c.edit(bytes, last);
    if (c.recrc) refresh_crc(bytes, last);
    s = scan(bytes);
    EXPECT_EQ(s.result.end, End::TornTail) << s.result.reason;
    EXPECT_EQ(s.result.bad_offset, last);
    expect_batches(s, base, 3);
  }
}

TEST(WalScanTest, NullCallbackStillScans) {
  const Segment seg = four_batches();
  const ScanResult r = scan_segment(seg.bytes, nullptr);
  EXPECT_EQ(r.end, End::Clean);
  EXPECT_EQ(r.records, 13u);
}

// Property: for random batch layouts and every truncation point, with or without
// zeros after the cut, the scanner delivers exactly the batches that are wholly
// present, never a record of an incomplete batch, and never says Corrupt.
TEST(WalScanTest, EveryTruncationOfRandomLayoutsIsCleanOrTorn) {
  std::mt19937_64 rng(20261122);
  for (int layout = 0; layout < 60; ++layout) {
    Segment seg(1 + rng() % 1000);
    const int batches = 1 + static_cast<int>(rng() % 6);
    for (int b = 0; b < batches; ++b) {
      std::vector<std::string> payloads(rng() % 5);
      for (std::string& p : payloads) {
        p.resize(rng() % 70);
        for (char& c : p) c = static_cast<char>(rng() % 4 == 0 ? 0 : rng());  // zeros too
      }
      seg.batch(payloads);
    }
    const std::string zeros(seg.bytes.size() + 64, '\0');
    for (std::size_t cut = kSegmentHeaderBytes; cut <= seg.bytes.size(); ++cut) {
      SCOPED_TRACE("layout " + std::to_string(layout) + " cut " + std::to_string(cut));
      // Whole batches before the cut when the file simply ends there.
      std::size_t whole = 0;
      while (whole < seg.batch_end.size() && seg.batch_end[whole] <= cut) ++whole;
      Scan s = scan(std::string_view(seg.bytes).substr(0, cut));
      ASSERT_NE(s.result.end, End::Corrupt) << s.result.reason;
      // Clean when nothing follows the last whole batch, or only zeros (a cut inside
      // the zero length field of an empty record looks like the preallocated tail).
      const std::size_t whole_end = whole == 0 ? kSegmentHeaderBytes : seg.batch_end[whole - 1];
      EXPECT_EQ(s.result.end == End::Clean,
                std::all_of(seg.bytes.begin() + static_cast<std::ptrdiff_t>(whole_end),
                            seg.bytes.begin() + static_cast<std::ptrdiff_t>(cut),
                            [](char c) { return c == 0; }));
      expect_batches(s, seg, whole);

      // Zeros after the cut: a batch survives if zero-filling did not change it.
      std::string filled = seg.bytes.substr(0, cut) + zeros.substr(0, seg.bytes.size() + 64 - cut);
      std::size_t intact = 0;
      while (intact < seg.batch_end.size() &&
             std::memcmp(filled.data(), seg.bytes.data(), seg.batch_end[intact]) == 0) {
        ++intact;
      }
      s = scan(filled);
      ASSERT_NE(s.result.end, End::Corrupt) << s.result.reason;
      expect_batches(s, seg, intact);
      const std::size_t kept = intact == 0 ? kSegmentHeaderBytes : seg.batch_end[intact - 1];
      EXPECT_EQ(s.result.end == End::Clean,
                std::all_of(filled.begin() + static_cast<std::ptrdiff_t>(kept), filled.end(),
                            [](char c) { return c == 0; }));
    }
  }
}

}  // namespace
}  // namespace rollcall::wal

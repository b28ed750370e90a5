// Micro-benchmarks of the log's format layer: CRC32C (instruction vs table), framing
// a group-commit batch of check-ins, and scanning a full segment on recovery.
// main() comes from bench/main.cpp.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "rollcall/domain/commands.hpp"
#include "rollcall/wal/crc32c.hpp"
#include "rollcall/wal/format.hpp"
#include "rollcall/wal/records.hpp"

namespace rollcall::wal {
namespace {

constexpr std::int64_t kNow = 1'795'334'400'000;

std::string random_bytes(std::size_t n) {
  std::mt19937_64 rng(1);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!crc32c_hardware()) {
    state.SkipWithError("no SSE4.2 on this CPU");
    return;
  }
  const std::string data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c(data.data(), data.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cHardware)->Arg(64)->Arg(4096)->Arg(1 << 20);

void BM_Crc32cTable(benchmark::State& state) {
  const std::string data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_table(data.data(), data.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cTable)->Arg(64)->Arg(4096)->Arg(1 << 20);

// What a shard does per group commit: encode each record's payload and frame it.
void BM_WalFrameBatch(benchmark::State& state) {
  constexpr int kBatch = 100;
  const domain::ClassId cls{4};
  const domain::SessionId sid = domain::make_session_id(cls, 3);
  std::string out;
  std::string payload;
  out.reserve(kBatch * record_bytes(64) + record_bytes(12));
  std::uint64_t lsn = 1;
  for (auto _ : state) {
    out.clear();
    const std::uint64_t first = lsn;
    for (int i = 0; i < kBatch; ++i) {
      payload.clear();
      encode(payload,
             domain::CheckIn{cls, sid, domain::UserId{1000u + static_cast<std::uint64_t>(i)},
                             domain::Method::VerificationCode, kNow + i, kNow + i, ""});
      append_record(out, RecordType::CheckedIn, lsn++, payload);
    }
    append_commit(out, lsn++, first, kBatch + 1);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kBatch);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_WalFrameBatch);

// Recovery: a 4 MiB segment of 100-check-in batches, every record delivered.
void BM_WalScanSegment(benchmark::State& state) {
  constexpr std::size_t kSegmentBytes = 4u << 20;
  std::string seg;
  append_segment_header(seg, SegmentHeader{0, 1, 1});
  std::string payload;
  std::uint64_t lsn = 1;
  const domain::ClassId cls{4};
  // A live check-in: 41 bytes of fields and the empty op_id's length.
  const std::size_t batch_bytes = 100 * record_bytes(45) + record_bytes(12);
  while (seg.size() + batch_bytes <= kSegmentBytes) {
    const std::uint64_t first = lsn;
    for (int i = 0; i < 100; ++i) {
      payload.clear();
      encode(payload, domain::CheckIn{cls, domain::make_session_id(cls, 1), domain::UserId{lsn},
                                      domain::Method::QrCode, kNow, kNow, ""});
      append_record(seg, RecordType::CheckedIn, lsn++, payload);
    }
    append_commit(seg, lsn++, first, 101);
  }
  seg.resize(kSegmentBytes, '\0');  // the preallocated tail
  std::size_t delivered = 0;
  for (auto _ : state) {
    const ScanResult r = scan_segment(
        seg, [&delivered](const ScannedRecord& rec) { delivered += rec.payload.size(); });
    if (r.end != ScanResult::End::Clean) state.SkipWithError("segment not clean");
    benchmark::DoNotOptimize(delivered);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * seg.size()));
  state.counters["records"] = static_cast<double>(lsn - 1);
}
BENCHMARK(BM_WalScanSegment);

}  // namespace
}  // namespace rollcall::wal

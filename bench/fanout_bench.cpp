// Publishing an event into a class ring and fanning it out to 1,000 subscribers'
// output queues (what one shard does per event): the in-process part of live
// updates, without the kernel's sends.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "rollcall/broadcast/fanout.hpp"
#include "rollcall/live/history_codec.hpp"

namespace {

using namespace rollcall;

// An override's record event as subscribers get it (506 bytes).
const std::string kRecordFrame =
    R"({"type":"attendance_update","class_id":1,"seq":2,"epoch":"3a52c05f",)"
    R"("timestamp":"2026-12-07T16:11:11.010Z","data":{"student_id":3,"student_name":)"
    R"("Student 001","class_id":1,"class_session_id":1048577,"class_name":"Class 1",)"
    R"("attendance_status":"excused","check_in_time":null,"is_late":false,"late_minutes":0,)"
    R"("verification_method":"teacher_override","is_manual_override":true,"override_reason":)"
    R"("rollcall-load #12345","offline":false,"synced_at":null,"timestamp":)"
    R"("2026-12-07T16:11:11.010Z","change":"created"}})";

// Arg 0: events stored as they are; 1: compressed with the history codec (as served).
const broadcast::BlobCodec* codec_for(const benchmark::State& state) {
  return state.range(0) != 0 ? &live::history_codec() : nullptr;
}

void BM_RingPublish(benchmark::State& state) {
  broadcast::ClassRing ring(4096, 1 << 20, codec_for(state));
  const broadcast::EventFrames frames{0, kRecordFrame, "", {{7, kRecordFrame}}};
  std::uint64_t seq = 0;
  for (auto _ : state) ring.publish(++seq, frames);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * kRecordFrame.size());
}
BENCHMARK(BM_RingPublish)->Arg(0)->Arg(1);

void BM_RingRead(benchmark::State& state) {
  broadcast::ClassRing ring(4096, 1 << 20, codec_for(state));
  for (std::uint64_t s = 1; s <= 1000; ++s)
    ring.publish(s, {0, kRecordFrame, "", {{7, kRecordFrame}}});
  std::string blob;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ring.read(seq % 1000 + 1, blob));
    ++seq;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * blob.size());
}
BENCHMARK(BM_RingRead)->Arg(0)->Arg(1);

// One event to N subscribers (30 staff per 1000, the rest students).
void BM_FanoutOneEvent(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  broadcast::ClassRing ring(4096, 1 << 20);
  std::vector<std::unique_ptr<net::OutBuffer>> outs;
  std::vector<std::unique_ptr<broadcast::Subscriber>> subs;
  std::vector<broadcast::Subscriber*> ptrs;
  for (std::size_t i = 0; i < n; ++i) {
    outs.push_back(std::make_unique<net::OutBuffer>());
    subs.push_back(std::make_unique<broadcast::Subscriber>());
    subs.back()->user = i + 1;
    subs.back()->staff = i % 33 == 0;
    subs.back()->out = outs.back().get();
    ptrs.push_back(subs.back().get());
  }
  const std::string staff(420, 's'), student(150, 'c'), personal(420, 'p');
  const broadcast::EventFrames frames{0, staff, student, {{7, personal}}};
  std::string blob;
  std::uint64_t seq = 0;
  std::uint64_t frames_out = 0;
  for (auto _ : state) {
    ring.publish(++seq, frames);
    frames_out += broadcast::fan_out(ring, ptrs, blob, nullptr).frames;
    for (auto& o : outs) o->consume(o->next_chunk().size());  // the kernel's part, free here
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(frames_out));  // frames/s
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FanoutOneEvent)->Arg(100)->Arg(1000)->Arg(10000);

}  // namespace

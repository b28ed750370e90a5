// Publishing an event into a class ring and fanning it out to 1,000 subscribers'
// output queues (what one shard does per event): the in-process part of live
// updates, without the kernel's sends.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "rollcall/broadcast/fanout.hpp"

namespace {

using namespace rollcall;

void BM_RingPublish(benchmark::State& state) {
  broadcast::ClassRing ring(4096, 1 << 20);
  const std::string staff(420, 's'), student(150, 'c'), personal(420, 'p');
  const broadcast::EventFrames frames{0, staff, student, {{7, personal}}};
  std::uint64_t seq = 0;
  for (auto _ : state) ring.publish(++seq, frames);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * (staff.size() + student.size() + personal.size()));
}
BENCHMARK(BM_RingPublish);

void BM_RingRead(benchmark::State& state) {
  broadcast::ClassRing ring(4096, 1 << 20);
  const std::string staff(420, 's'), student(150, 'c');
  for (std::uint64_t s = 1; s <= 1000; ++s) ring.publish(s, {0, staff, student, {}});
  std::string blob;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ring.read(seq % 1000 + 1, blob));
    ++seq;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * blob.size());
}
BENCHMARK(BM_RingRead);

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

// Micro-benchmarks of the WebSocket codec: UTF-8 validation (ASCII and mixed
// multi-byte text), decoding a batch of small masked text frames, and encoding the
// frame of a typical 400-byte live update. main() comes from bench/main.cpp.
#include <benchmark/benchmark.h>

#include <string>

#include "rollcall/ws/codec.hpp"

namespace rollcall::ws {
namespace {

std::string ascii_1k() {
  const std::string_view line =
      "{\"type\":\"checkin\",\"student\":\"s-0042\",\"at\":\"2026-11-22T08:01:02Z\"}\n";
  std::string s;
  while (s.size() < 1024) s.append(line);
  s.resize(1024);
  return s;
}

std::string mixed_1k() {
  // Latin-1 supplement, Greek, CJK, an emoji, and ASCII in between.
  const std::string_view chunk = "Grüße aus Köln, κόσμε, 出席確認 😀 ok; ";
  std::string s;
  while (s.size() + chunk.size() <= 1024) s.append(chunk);
  return s;
}

void BM_Utf8Ascii1K(benchmark::State& state) {
  const std::string text = ascii_1k();
  for (auto _ : state) {
    Utf8Validator v;
    bool ok = v.feed(text) && v.complete();
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Utf8Ascii1K);

void BM_Utf8Mixed1K(benchmark::State& state) {
  const std::string text = mixed_1k();
  for (auto _ : state) {
    Utf8Validator v;
    bool ok = v.feed(text) && v.complete();
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Utf8Mixed1K);

// 1,000 masked text frames of ~30 bytes, as a client's subscription chatter.
void BM_DecodeSmallTextFrames(benchmark::State& state) {
  constexpr int kFrames = 1000;
  const std::string payload = "{\"type\":\"ping\",\"seq\":123456}";
  const unsigned char key[4] = {0x37, 0xFA, 0x21, 0x3D};
  std::string stream;
  for (int i = 0; i < kFrames; ++i) {
    stream.push_back(static_cast<char>(0x81));
    stream.push_back(static_cast<char>(0x80 | payload.size()));
    stream.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t j = 0; j < payload.size(); ++j)
      stream.push_back(static_cast<char>(payload[j] ^ key[j % 4]));
  }
  Decoder decoder;
  for (auto _ : state) {
    decoder.feed(stream);
    int messages = 0;
    for (Event e = decoder.next(); e.kind == Event::Kind::Message; e = decoder.next()) ++messages;
    if (messages != kFrames) state.SkipWithError("wrong message count");
  }
  state.SetItemsProcessed(state.iterations() * kFrames);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_DecodeSmallTextFrames);

void BM_EncodeTextFrame400(benchmark::State& state) {
  const std::string payload(400, 'x');
  std::string out;
  for (auto _ : state) {
    out.clear();
    append_frame(out, Opcode::Text, payload);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeTextFrame400);

}  // namespace
}  // namespace rollcall::ws

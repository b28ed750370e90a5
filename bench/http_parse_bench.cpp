// Micro-benchmarks of the HTTP request parser: parse_head on requests of typical shapes
// and ChunkedDecoder on a 64 KiB body. main() comes from bench/main.cpp.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "rollcall/http/parser.hpp"

namespace rollcall::http {
namespace {

// What wrk sends by default.
constexpr std::string_view kSmallGet = "GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n";

// A browser navigation: ~500 bytes, 10 fields.
constexpr std::string_view kBrowserGet =
    "GET /rooms/42/attendance?week=37&sort=name HTTP/1.1\r\n"
    "Host: rollcall.example.org\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-GB,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Referer: https://rollcall.example.org/rooms/42\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "\r\n";

constexpr std::string_view kJsonPost =
    "POST /api/v1/rooms/42/checkins HTTP/1.1\r\n"
    "Host: rollcall.example.org\r\n"
    "User-Agent: rollcall-cli/0.1\r\n"
    "Accept: application/json\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 61\r\n"
    "\r\n";

void parse_head_bench(benchmark::State& state, std::string_view raw) {
  RequestHead head;
  const Limits limits;
  for (auto _ : state) {
    benchmark::DoNotOptimize(raw.data());
    HeadResult r = parse_head(raw, head, limits);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(head);
    if (r.status != HeadResult::Status::Complete) state.SkipWithError("parse failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_ParseHeadSmallGet(benchmark::State& state) {
  parse_head_bench(state, kSmallGet);
}
void BM_ParseHeadBrowserGet(benchmark::State& state) {
  parse_head_bench(state, kBrowserGet);
}
void BM_ParseHeadJsonPost(benchmark::State& state) {
  parse_head_bench(state, kJsonPost);
}
BENCHMARK(BM_ParseHeadSmallGet);
BENCHMARK(BM_ParseHeadBrowserGet);
BENCHMARK(BM_ParseHeadJsonPost);

// 64 KiB of data in chunks of state.range(0) bytes, as clients stream uploads.
std::string make_chunked(std::size_t total, std::size_t chunk) {
  std::string out;
  char size_line[32];
  for (std::size_t done = 0; done < total; done += chunk) {
    const std::size_t n = std::min(chunk, total - done);
    out.append(size_line,
               static_cast<std::size_t>(std::snprintf(size_line, sizeof size_line, "%zx\r\n", n)));
    out.append(n, 'x');
    out += "\r\n";
  }
  out += "0\r\n\r\n";
  return out;
}

void BM_ChunkedDecode64KiB(benchmark::State& state) {
  constexpr std::size_t kBody = 64 * 1024;
  const std::string wire = make_chunked(kBody, static_cast<std::size_t>(state.range(0)));
  std::string buf = wire;
  for (auto _ : state) {
    state.PauseTiming();  // the decode is in place: restore the raw bytes
    buf = wire;
    state.ResumeTiming();
    ChunkedDecoder decoder;
    if (decoder.feed(buf.data(), buf.size()) != ChunkedDecoder::Status::Done) {
      state.SkipWithError("decode failed");
    }
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ChunkedDecode64KiB)->Arg(1024)->Arg(16 * 1024)->Arg(64 * 1024);

}  // namespace
}  // namespace rollcall::http

// Response writing and the whole in-process request path (parse, route, answer)
// through http::Server with a reactor that only counts: what a request costs us
// before the kernel is involved.

#include <benchmark/benchmark.h>

#include <string>

#include "rollcall/http/response.hpp"
#include "rollcall/http/router.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/net/connection.hpp"

namespace {

using namespace rollcall;

void BM_ResponseHead(benchmark::State& state) {
  std::string out;
  out.reserve(4096);
  http::ResponseHead head;
  head.status = 200;
  head.content_type = "application/json";
  head.content_length = 15;
  head.date = "Sun, 22 Nov 2026 08:01:02 GMT";
  for (auto _ : state) {
    out.clear();
    http::append_response_head(out, head, {});
    out.append(R"({"status":"ok"})");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_ResponseHead);

void BM_ErrorBody(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    http::append_error_body(out, "not_found", "no such \"resource\"");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ErrorBody);

void noop_handler(http::Exchange& ex) {
  ex.respond_json(200, R"({"status":"ok"})");
}

void BM_RouterMatch(benchmark::State& state) {
  http::Router router;
  const char* patterns[] = {"/api/v1/classes",
                            "/api/v1/classes/{id}",
                            "/api/v1/classes/{id}/sessions",
                            "/api/v1/sessions/{id}/close",
                            "/api/v1/sessions/{id}/attendance",
                            "/api/v1/sessions/{id}/attendance/{student}",
                            "/healthz",
                            "/metrics"};
  for (const char* p : patterns) router.add("GET", p, noop_handler);
  for (auto _ : state) {
    auto m = router.match("GET", "/api/v1/sessions/456/attendance/123");
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouterMatch);

// A reactor that does no I/O: flushes are dropped by clearing the output.
class CountingReactor final : public net::Reactor {
 public:
  void flush(net::Connection&) override { ++flushes; }
  void close(net::Connection&, net::CloseMode) override { ++closes; }
  void set_deadline(net::Connection&, std::uint64_t) override {}
  void clear_deadline(net::Connection&) override {}
  void set_receiving(net::Connection&, bool) override {}
  std::uint64_t now_ms() const override { return 1; }
  std::size_t output_budget() const override { return 1 << 20; }
  std::uint64_t flushes = 0;
  std::uint64_t closes = 0;
};

void run_requests(benchmark::State& state, std::string request, int pipelined) {
  http::Router router;
  router.add("GET", "/healthz", noop_handler);
  metrics::Registry registry;
  http::Server server(http::ServerConfig{}, router, registry, 1);
  net::ConnectionTable table(1);
  net::Connection* c = table.acquire(-1, 0);
  CountingReactor reactor;
  server.on_open(reactor, *c);
  std::string batch;
  for (int i = 0; i < pipelined; ++i) batch += request;
  std::string buf;
  for (auto _ : state) {
    buf = batch;  // the server may decode in place; give it a fresh copy
    server.on_data(reactor, *c, buf.data(), buf.size());
    const std::size_t n = c->out.next_chunk().size();
    c->out.consume(n);
  }
  if (reactor.closes != 0) state.SkipWithError("connection closed");
  state.SetItemsProcessed(state.iterations() * pipelined);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch.size()));
}

void BM_ServerHealthz(benchmark::State& state) {
  run_requests(state, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", 1);
}
BENCHMARK(BM_ServerHealthz);

void BM_ServerHealthzPipelined16(benchmark::State& state) {
  run_requests(state, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", 16);
}
BENCHMARK(BM_ServerHealthzPipelined16);

}  // namespace

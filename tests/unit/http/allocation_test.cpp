// Counts heap allocations on the request path: once a connection is warm, parsing,
// routing and answering a request must not allocate.

#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <new>
#include <string>

#include "../allocation_counter.hpp"
#include "rollcall/http/router.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/net/connection.hpp"

namespace {
thread_local bool g_counting = false;
thread_local std::size_t g_allocations = 0;
}  // namespace

// Replaces the global (unaligned) allocation functions for the whole unit-test
// binary; they only count while a test on this thread asks them to. Every unaligned
// form is replaced, so memory from one of them is never released by a sanitizer's
// version of another (ASan reports that as alloc-dealloc-mismatch).
namespace {
void* counted_alloc(std::size_t n) {
  if (g_counting) ++g_allocations;
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

// OpenSSL allocates with its own malloc calls (a one-shot SHA1() fetches its
// implementation each time, for one): counted the same way. Installed before main,
// since OpenSSL refuses once it has allocated.
namespace {
void* counted_crypto_malloc(std::size_t n, const char*, int) {
  return counted_alloc(n);
}
void* counted_crypto_realloc(void* p, std::size_t n, const char*, int) {
  if (g_counting) ++g_allocations;
  return std::realloc(p, n == 0 ? 1 : n);
}
void counted_crypto_free(void* p, const char*, int) {
  std::free(p);
}
const bool g_crypto_counted =
    CRYPTO_set_mem_functions(counted_crypto_malloc, counted_crypto_realloc, counted_crypto_free) ==
    1;
}  // namespace

namespace rollcall::testing {
// Declared for the other tests of the binary in allocation_counter.hpp.
void start_counting_allocations() {
  g_allocations = 0;
  g_counting = true;
}
std::size_t stop_counting_allocations() {
  g_counting = false;
  return g_allocations;
}
}  // namespace rollcall::testing

namespace rollcall::http {
namespace {

class NullReactor final : public net::Reactor {
 public:
  void flush(net::Connection&) override {}
  void close(net::Connection&, net::CloseMode) override { ++closes; }
  void set_deadline(net::Connection&, std::uint64_t) override {}
  void clear_deadline(net::Connection&) override {}
  void set_receiving(net::Connection&, bool) override {}
  std::uint64_t now_ms() const override { return 1; }
  std::size_t output_budget() const override { return 1 << 20; }
  int closes = 0;
};

void healthz(Exchange& ex) {
  ex.respond_json(200, R"({"status":"ok"})");
}
void with_params(Exchange& ex) {
  std::string& body = ex.scratch();
  body.append(R"({"session":)")
      .append(ex.params[0])
      .append(R"(,"student":)")
      .append(ex.params[1])
      .append("}");
  ex.respond_json(200, body);
}

TEST(Allocation, OpenSslAllocationsAreCountedToo) {
  ASSERT_TRUE(g_crypto_counted) << "OpenSSL allocated before the counter was installed";
  rollcall::testing::start_counting_allocations();
  void* p = OPENSSL_malloc(16);
  OPENSSL_free(p);
  EXPECT_EQ(rollcall::testing::stop_counting_allocations(), 1u);
}

TEST(Allocation, WarmRequestPathAllocatesNothing) {
  Router router;
  router.add("GET", "/healthz", healthz);
  router.add("PUT", "/api/v1/sessions/{id}/attendance/{student}", with_params);
  metrics::Registry registry;
  Server server(ServerConfig{}, router, registry, 1);
  net::ConnectionTable table(1);
  net::Connection* c = table.acquire(-1, 0);
  NullReactor reactor;
  server.on_open(reactor, *c);

  std::string requests =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "PUT /api/v1/sessions/456/attendance/123 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string buf;
  buf.reserve(requests.size());
  auto round = [&] {
    buf.assign(requests);
    server.on_data(reactor, *c, buf.data(), buf.size());
    c->out.consume(c->out.next_chunk().size());
  };
  for (int i = 0; i < 3; ++i) round();  // warm: buffers reach their working size

  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 1000; ++i) round();
  g_counting = false;

  EXPECT_EQ(g_allocations, 0u);
  EXPECT_EQ(reactor.closes, 0);
  EXPECT_EQ(server.metrics().requests_by_class[2].get(), 2u * 1003);
  EXPECT_EQ(server.metrics().requests_by_class[4].get(), 1003u);
}

}  // namespace
}  // namespace rollcall::http

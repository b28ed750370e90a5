// Deferred answers: a handler hands its request on, the answer comes later, and
// pipelined requests behind it wait so answers stay in request order.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rollcall/http/router.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/net/connection.hpp"

namespace rollcall::http {
namespace {

class RecordingReactor final : public net::Reactor {
 public:
  void flush(net::Connection&) override {}
  void close(net::Connection&, net::CloseMode) override { ++closes; }
  void set_deadline(net::Connection&, std::uint64_t) override {}
  void clear_deadline(net::Connection&) override {}
  void set_receiving(net::Connection&, bool on) override { receiving = on; }
  std::uint64_t now_ms() const override { return 1; }
  int closes = 0;
  bool receiving = true;
};

std::vector<Deferred> g_pending;
void slow(void*, Exchange& ex) {
  g_pending.push_back(ex.defer());
}
void fast(void*, Exchange& ex) {
  ex.respond(200, "text/plain", "fast");
}
// Defers, then finds the awaited work already done and answers before returning
// (as a shard-local call does when the log has nothing left to make durable).
Server* g_server = nullptr;
net::Reactor* g_reactor = nullptr;
net::Connection* g_connection = nullptr;
void at_once(void*, Exchange& ex) {
  const Deferred d = ex.defer();
  g_pending.push_back(d);
  EXPECT_TRUE(g_server->complete(*g_reactor, *g_connection, d, 200, "text/plain", "at once"));
}

class DeferredTest : public ::testing::Test {
 protected:
  DeferredTest() : server_(ServerConfig{}, router(), metrics_, 2), table_(2) {
    g_pending.clear();
    c_ = table_.acquire(-1, 0);
    server_.on_open(reactor_, *c_);
    g_server = &server_;
    g_reactor = &reactor_;
    g_connection = c_;
  }
  static const Router& router() {
    static Router r = [] {
      Router x;
      x.add("GET", "/slow", {slow, nullptr});
      x.add("GET", "/fast", {fast, nullptr});
      x.add("GET", "/at-once", {at_once, nullptr});
      return x;
    }();
    return r;
  }
  void feed(std::string bytes) {
    buf_ = std::move(bytes);
    server_.on_data(reactor_, *c_, buf_.data(), buf_.size());
  }
  std::string take_output() {
    std::string out(c_->out.next_chunk());
    c_->out.consume(out.size());
    return out;
  }

  metrics::ShardMetrics metrics_;
  Server server_;
  net::ConnectionTable table_;
  net::Connection* c_ = nullptr;
  RecordingReactor reactor_;
  std::string buf_;
};

TEST_F(DeferredTest, PipelinedRequestsWaitForTheDeferredAnswer) {
  feed("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(g_pending.size(), 1u);
  EXPECT_EQ(take_output(), "");  // /fast must not overtake /slow
  ASSERT_TRUE(
      server_.complete(reactor_, *c_, g_pending[0], 201, "application/json", R"({"late":true})"));
  const std::string out = take_output();
  const auto slow_at = out.find("HTTP/1.1 201 Created");
  const auto fast_at = out.find("HTTP/1.1 200 OK");
  ASSERT_NE(slow_at, std::string::npos) << out;
  ASSERT_NE(fast_at, std::string::npos) << out;
  EXPECT_LT(slow_at, fast_at);
  EXPECT_NE(out.find(R"({"late":true})"), std::string::npos);
  EXPECT_EQ(metrics_.http_requests_by_class[2].get(), 2u);
}

TEST_F(DeferredTest, ASecondCompletionOrAStaleHandleIsRefused) {
  feed("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(g_pending.size(), 1u);
  ASSERT_TRUE(server_.complete(reactor_, *c_, g_pending[0], 200, "text/plain", "one"));
  EXPECT_FALSE(server_.complete(reactor_, *c_, g_pending[0], 200, "text/plain", "two"));
  EXPECT_EQ(take_output().find("two"), std::string::npos);
}

TEST_F(DeferredTest, HeadRequestsGetNoBodyEvenWhenDeferred) {
  feed("HEAD /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(g_pending.size(), 1u);
  ASSERT_TRUE(server_.complete(reactor_, *c_, g_pending[0], 200, "text/plain", "body"));
  const std::string out = take_output();
  EXPECT_NE(out.find("Content-Length: 4\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST_F(DeferredTest, ConnectionCloseIsHonouredAfterTheDeferredAnswer) {
  feed("GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(
      server_.complete_error(reactor_, *c_, g_pending[0], 404, "class_not_found", "no class 9"));
  const std::string out = take_output();
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  EXPECT_NE(out.find(R"("code":"class_not_found")"), std::string::npos);
  EXPECT_EQ(reactor_.closes, 1);
}

TEST_F(DeferredTest, AnAnswerCompletedBeforeTheHandlerReturnsIsSentAndTheNextRequestRuns) {
  feed("GET /at-once HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(g_pending.size(), 1u);
  const std::string out = take_output();
  const auto first = out.find("at once");
  const auto second = out.find("fast");
  ASSERT_NE(first, std::string::npos) << out;
  ASSERT_NE(second, std::string::npos) << out;  // the connection did not stay Waiting
  EXPECT_LT(first, second);
  EXPECT_EQ(metrics_.http_requests_by_class[2].get(), 2u);
  // The deferred handle is spent: a late second completion writes nothing.
  EXPECT_FALSE(server_.complete(reactor_, *c_, g_pending[0], 500, "text/plain", "late"));
  EXPECT_EQ(take_output(), "");
}

TEST_F(DeferredTest, ConnectionCloseIsHonouredWhenAnsweredBeforeTheHandlerReturns) {
  feed(
      "GET /at-once HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /fast HTTP/1.1\r\nHost: "
      "x\r\n\r\n");
  const std::string out = take_output();
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
  EXPECT_EQ(out.find("fast"), std::string::npos) << out;
  EXPECT_EQ(reactor_.closes, 1);
}

}  // namespace
}  // namespace rollcall::http

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
  std::size_t output_budget() const override { return 1 << 20; }
  int closes = 0;
  bool receiving = true;
};

std::vector<Deferred> g_pending;
void slow(Exchange& ex) {
  g_pending.push_back(ex.defer());
}
void fast(Exchange& ex) {
  ex.respond(200, "text/plain", "fast");
}
// Defers, then tries to answer before returning: every deferred answer comes on a
// later loop turn (shard/call.hpp), so the server refuses it.
bool g_completed_inside = true;
Server* g_server = nullptr;
net::Reactor* g_reactor = nullptr;
net::Connection* g_connection = nullptr;
void at_once(Exchange& ex) {
  const Deferred d = ex.defer();
  g_completed_inside =
      g_server->complete(*g_reactor, *g_connection, d, 200, "text/plain", "at once");
}

class DeferredTest : public ::testing::Test {
 protected:
  DeferredTest() : server_(ServerConfig{}, router(), registry_, 2), table_(2) {
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
      x.add("GET", "/slow", slow);
      x.add("GET", "/fast", fast);
      x.add("GET", "/at-once", at_once);
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

  metrics::Registry registry_;
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
  EXPECT_EQ(server_.metrics().requests_by_class[2].get(), 2u);
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
  ASSERT_TRUE(server_.complete(reactor_, *c_, g_pending[0], 404, "application/json",
                               R"({"error":{"code":"class_not_found","message":"no class 9"}})"));
  const std::string out = take_output();
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  EXPECT_NE(out.find(R"("code":"class_not_found")"), std::string::npos);
  EXPECT_EQ(reactor_.closes, 1);
}

TEST_F(DeferredTest, AnAnswerBeforeTheHandlerReturnedIsRefused) {
  feed("GET /at-once HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_FALSE(g_completed_inside);
  EXPECT_EQ(take_output(), "");        // nothing written; /fast waits behind it
  server_.on_deadline(reactor_, *c_);  // so the bug shows as 503 owner_timeout
  EXPECT_NE(take_output().find("503"), std::string::npos);
}

TEST_F(DeferredTest, AnAnswerAfterTheRequestTimedOutIsDropped) {
  feed("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(g_pending.size(), 1u);
  server_.on_deadline(reactor_, *c_);  // the owner took too long: 503 and close
  const std::string timed_out = take_output();
  EXPECT_NE(timed_out.find("503"), std::string::npos) << timed_out;
  EXPECT_FALSE(server_.complete(reactor_, *c_, g_pending[0], 200, "text/plain", "late"));
  EXPECT_EQ(take_output(), "");
}

}  // namespace
}  // namespace rollcall::http

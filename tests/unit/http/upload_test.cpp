// Upload routes: a body over the general limit is taken only by a route that says
// so, and only once its admission said yes, from the head, before any body byte.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "rollcall/http/router.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/net/connection.hpp"

namespace rollcall::http {
namespace {

class Reactor final : public net::Reactor {
 public:
  void flush(net::Connection&) override {}
  void close(net::Connection&, net::CloseMode) override { ++closes; }
  void set_deadline(net::Connection&, std::uint64_t at) override { deadline = at; }
  void clear_deadline(net::Connection&) override {}
  void set_receiving(net::Connection&, bool) override {}
  std::uint64_t now_ms() const override { return 1000; }
  std::size_t output_budget() const override { return 1 << 20; }
  int closes = 0;
  std::uint64_t deadline = 0;
};

constexpr std::uint64_t kUploadMax = 4u << 20;
int g_grants = 0;        // grants alive
std::size_t g_body = 0;  // body size the upload handler saw
bool g_keep = false;     // whether the handler keeps the grant (defers)
std::unique_ptr<UploadGrant> g_kept;

struct Grant final : UploadGrant {
  Grant() { ++g_grants; }
  ~Grant() override { --g_grants; }
};

const Router& router() {
  static Router r = [] {
    Router x;
    x.add("POST", "/small", [](Exchange& ex) { ex.respond(200, "text/plain", "small"); });
    UploadPolicy p;
    p.body_bytes_max = kUploadMax;
    p.admit = [](const RequestHead& head,
                 const net::Connection&) -> std::variant<std::unique_ptr<UploadGrant>, Refusal> {
      if (head.header("x-allow") != "yes") return Refusal{403, "forbidden", "not you"};
      return std::make_unique<Grant>();
    };
    x.add(
        "POST", "/upload",
        [](Exchange& ex) {
          g_body = ex.body.size();
          if (!g_keep) return ex.respond(200, "text/plain", "stored");
          g_kept = ex.take_upload();
          ex.defer(120'000);
        },
        std::move(p));
    return x;
  }();
  return r;
}

class UploadTest : public ::testing::Test {
 protected:
  UploadTest() : server_(ServerConfig{}, router(), registry_, 2), table_(2) {
    g_grants = 0;
    g_body = 0;
    g_keep = false;
    g_kept.reset();
    c_ = table_.acquire(-1, 0);
    server_.on_open(reactor_, *c_);
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
  static std::string head(const char* path, std::uint64_t length, bool allow) {
    return std::string("POST ") + path + " HTTP/1.1\r\nHost: x\r\n" +
           (allow ? "X-Allow: yes\r\n" : "") + "Content-Length: " + std::to_string(length) +
           "\r\n\r\n";
  }

  metrics::Registry registry_;
  Server server_;
  net::ConnectionTable table_;
  net::Connection* c_ = nullptr;
  Reactor reactor_;
  std::string buf_;
};

TEST_F(UploadTest, OtherRoutesKeepTheGeneralLimit) {
  feed(head("/small", 2u << 20, true));
  EXPECT_NE(take_output().find("413"), std::string::npos);
  EXPECT_EQ(reactor_.closes, 1);
}

TEST_F(UploadTest, ARefusedUploadIsAnsweredFromItsHead) {
  feed(head("/upload", 3u << 20, false));
  const std::string out = take_output();
  EXPECT_NE(out.find("HTTP/1.1 403"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
  EXPECT_EQ(reactor_.closes, 1);
  EXPECT_EQ(g_grants, 0);
}

TEST_F(UploadTest, AboveTheRoutesOwnLimitIs413BeforeAdmission) {
  feed(head("/upload", kUploadMax + 1, true));
  EXPECT_NE(take_output().find("413"), std::string::npos);
  EXPECT_EQ(g_grants, 0);
}

TEST_F(UploadTest, AnAdmittedUploadHoldsItsGrantUntilAnswered) {
  const std::uint64_t size = 3u << 20;
  feed(head("/upload", size, true));
  EXPECT_EQ(g_grants, 1);  // admitted: the body may come
  EXPECT_EQ(take_output(), "");
  feed(std::string(size, 'z'));
  EXPECT_EQ(g_body, size);
  EXPECT_NE(take_output().find("stored"), std::string::npos);
  EXPECT_EQ(g_grants, 0);  // answered: released
}

TEST_F(UploadTest, AnUploaderThatGoesAwayReleasesItsGrant) {
  feed(head("/upload", 3u << 20, true) + "PK");
  EXPECT_EQ(g_grants, 1);
  server_.on_closed(*c_);
  EXPECT_EQ(g_grants, 0);
}

TEST_F(UploadTest, AHandlerKeepsTheGrantAndItsOwnDeadline) {
  g_keep = true;
  feed(head("/upload", 2u << 20, true) + std::string(2u << 20, 'z'));
  ASSERT_NE(g_kept, nullptr);
  EXPECT_EQ(reactor_.deadline, 1000u + 120'000u);  // not the default 30 s
  server_.on_closed(*c_);
  EXPECT_EQ(g_grants, 1);  // the handler's now, whatever the connection does
  g_kept.reset();
  EXPECT_EQ(g_grants, 0);
}

}  // namespace
}  // namespace rollcall::http

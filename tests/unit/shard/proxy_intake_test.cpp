// The PROXY header intake between a shard's loop and HTTP: which connections must
// send a header, what the protocol sees once it is read (and nothing before),
// the per-address cap counting the named client, and every way a header fails.

#include "rollcall/shard/proxy_intake.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "rollcall/net/connection.hpp"

namespace rollcall::shard {
namespace {

using namespace std::string_literals;

// What the protocol behind the intake was told.
class RecordingHandler final : public net::ConnectionHandler {
 public:
  void on_open(net::Reactor&, net::Connection&) override { ++opens; }
  void on_data(net::Reactor&, net::Connection& c, char* data, std::size_t len) override {
    received.append(data, len);
    client_seen = c.client ? net::format_ip(*c.client) : "none";
  }
  void on_peer_closed(net::Reactor&, net::Connection&) override { ++peer_closes; }
  void on_drained(net::Reactor&, net::Connection&) override {}
  void on_deadline(net::Reactor&, net::Connection&) override { ++deadlines; }
  void on_closed(net::Connection&) override { ++closes; }
  void on_shutdown(net::Reactor&, net::Connection&) override { ++shutdowns; }

  int opens = 0, peer_closes = 0, deadlines = 0, closes = 0, shutdowns = 0;
  std::string received;
  std::string client_seen;
};

// The loop's side, as the shard does it: an abort closes at once and tells the
// handler (here the intake) on_closed.
class FakeReactor final : public net::Reactor {
 public:
  void flush(net::Connection&) override {}
  void close(net::Connection& c, net::CloseMode mode) override {
    if (c.state != net::Connection::State::Open) return;
    ASSERT_EQ(mode, net::CloseMode::Abort);
    c.state = net::Connection::State::Closing;
    ++aborts;
    handler->on_closed(c);
  }
  void set_deadline(net::Connection&, std::uint64_t at_ms) override { deadline_ms = at_ms; }
  void clear_deadline(net::Connection&) override { deadline_ms = 0; }
  void set_receiving(net::Connection&, bool) override {}
  std::uint64_t now_ms() const override { return 5000; }
  std::size_t output_budget() const override { return 1 << 20; }

  net::ConnectionHandler* handler = nullptr;
  std::uint64_t deadline_ms = 0;
  int aborts = 0;
};

net::IpAddress ip(std::string_view text) {
  return net::parse_ip(text).value();
}

class ProxyIntakeTest : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kSlots = 16;
  static constexpr std::uint32_t kTimeoutMs = 700;

  ProxyIntakeTest() : table_(kSlots) {
    EXPECT_TRUE(trusted_.add("127.0.0.1"));
    make_intake(&trusted_, nullptr);
  }

  void make_intake(const net::AddressSet* senders, net::AddressAdmission* cap) {
    ProxyIntakeConfig config;
    config.senders = senders;
    config.per_address = cap;
    config.header_timeout_ms = kTimeoutMs;
    intake_.reset();
    registry_ = std::make_unique<metrics::Registry>();  // the old one names the old metrics
    intake_ =
        std::make_unique<ProxyIntake>(next_, config, refused_per_address_, *registry_, kSlots);
    reactor_.handler = intake_.get();
  }

  net::Connection& open(std::string_view peer) {
    net::Connection* c = table_.acquire(-1, 0);
    EXPECT_NE(c, nullptr);
    c->client = ip(peer);
    intake_->on_open(reactor_, *c);
    return *c;
  }

  void feed(net::Connection& c, std::string bytes) {
    buffers_.push_back(std::move(bytes));  // a receive buffer: mutable, gone after the call
    intake_->on_data(reactor_, c, buffers_.back().data(), buffers_.back().size());
    buffers_.back().assign(buffers_.back().size(), '#');
  }

  std::uint64_t refused(ProxyRefusal why) const {
    return intake_->metrics().refused[static_cast<std::size_t>(why)].get();
  }

  net::AddressSet trusted_;
  RecordingHandler next_;
  FakeReactor reactor_;
  metrics::Counter refused_per_address_;
  std::unique_ptr<metrics::Registry> registry_;
  net::ConnectionTable table_;
  std::unique_ptr<ProxyIntake> intake_;
  std::vector<std::string> buffers_;
};

const std::string kRequest = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(ProxyIntakeTest, AnUntrustedPeerGoesStraightOnAndIsNeverReadAsAHeader) {
  net::Connection& c = open("127.0.0.2");
  EXPECT_EQ(next_.opens, 1);
  feed(c, "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n" + kRequest);
  EXPECT_EQ(next_.received, "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n" + kRequest);
  EXPECT_EQ(next_.client_seen, "127.0.0.2");
  EXPECT_FALSE(c.client_from_proxy_header);
}

TEST_F(ProxyIntakeTest, WithTheFlagOffATrustedPeerGoesStraightOnToo) {
  make_intake(nullptr, nullptr);
  net::Connection& c = open("127.0.0.1");
  EXPECT_EQ(next_.opens, 1);
  feed(c, kRequest);
  EXPECT_EQ(next_.received, kRequest);
}

TEST_F(ProxyIntakeTest, ATrustedPeersHeaderSettlesTheClientBeforeTheProtocolSeesAByte) {
  net::Connection& c = open("127.0.0.1");
  EXPECT_EQ(next_.opens, 0);
  EXPECT_EQ(reactor_.deadline_ms, 5000u + kTimeoutMs);
  feed(c, "PROXY TCP4 10.0.0.1 192.0.2.10 51000 443\r\n" + kRequest);
  EXPECT_EQ(next_.opens, 1);
  EXPECT_EQ(next_.received, kRequest);
  EXPECT_EQ(next_.client_seen, "10.0.0.1");
  EXPECT_TRUE(c.client_from_proxy_header);
  EXPECT_EQ(reactor_.deadline_ms, 0u);  // the intake's deadline is cleared
  EXPECT_EQ(intake_->metrics().headers[0].get(), 1u);
}

TEST_F(ProxyIntakeTest, AHeaderDrippedOneByteAtATimeIsReadWhole) {
  net::Connection& c = open("127.0.0.1");
  const std::string header = "PROXY TCP6 2001:db8::7 2001:db8::1 1 2\r\n";
  for (const char ch : header) {
    EXPECT_EQ(next_.opens, 0);
    feed(c, std::string(1, ch));
  }
  EXPECT_EQ(next_.opens, 1);
  EXPECT_EQ(next_.received, "");
  EXPECT_TRUE(c.in.empty());
  feed(c, kRequest);
  EXPECT_EQ(next_.received, kRequest);
  EXPECT_EQ(next_.client_seen, "2001:db8::7");
}

TEST_F(ProxyIntakeTest, AV2HeaderSplitAcrossReadsHandsOnWhatFollowsIt) {
  net::Connection& c = open("127.0.0.1");
  std::string header = "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c"s;
  header += "\x0a\x00\x00\x07\xc0\x00\x02\x0a\xc7\x38\x01\xbb"s;
  feed(c, header.substr(0, 5));
  feed(c, header.substr(5, 14));
  feed(c, header.substr(19) + kRequest.substr(0, 10));
  EXPECT_EQ(next_.opens, 1);
  EXPECT_EQ(next_.received, kRequest.substr(0, 10));
  feed(c, kRequest.substr(10));
  EXPECT_EQ(next_.received, kRequest);
  EXPECT_EQ(next_.client_seen, "10.0.0.7");
  EXPECT_EQ(intake_->metrics().headers[1].get(), 1u);
}

TEST_F(ProxyIntakeTest, UnknownAndLocalKeepTheProxyButStillSilenceForwardedFor) {
  net::Connection& c = open("127.0.0.1");
  feed(c, "PROXY UNKNOWN\r\n" + kRequest);
  EXPECT_EQ(next_.client_seen, "127.0.0.1");
  EXPECT_TRUE(c.client_from_proxy_header);
  net::Connection& local = open("127.0.0.1");
  feed(local, "\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"s + kRequest);
  EXPECT_EQ(next_.opens, 2);
  EXPECT_TRUE(local.client_from_proxy_header);
}

TEST_F(ProxyIntakeTest, AMissingOrMalformedHeaderClosesAtOnceUnseenByTheProtocol) {
  net::Connection& plain = open("127.0.0.1");
  feed(plain, kRequest);
  EXPECT_EQ(plain.state, net::Connection::State::Closing);
  EXPECT_EQ(refused(ProxyRefusal::NotProxy), 1u);
  net::Connection& garbage = open("127.0.0.1");
  feed(garbage, "PROXY \x01\x02"s);
  EXPECT_EQ(refused(ProxyRefusal::Malformed), 1u);
  net::Connection& mixed = open("127.0.0.1");
  feed(mixed, "PROXY TCP4 2001:db8::1 10.0.0.2 1 2\r\n");
  EXPECT_EQ(refused(ProxyRefusal::BadAddress), 1u);
  net::Connection& huge = open("127.0.0.1");
  feed(huge, "\r\n\r\n\0\r\nQUIT\n\x21\x11\xff\xff"s);
  EXPECT_EQ(refused(ProxyRefusal::TooLong), 1u);
  EXPECT_EQ(reactor_.aborts, 4);
  EXPECT_EQ(next_.opens, 0);
  EXPECT_EQ(next_.closes, 0);  // never opened, never told of a close
  EXPECT_EQ(next_.received, "");
}

TEST_F(ProxyIntakeTest, ALateHeaderTimesOutAndAHalfSentOneIsTruncated) {
  net::Connection& slow = open("127.0.0.1");
  feed(slow, "PROXY TCP4 10.0.0.1");
  intake_->on_deadline(reactor_, slow);
  EXPECT_EQ(slow.state, net::Connection::State::Closing);
  EXPECT_EQ(refused(ProxyRefusal::Timeout), 1u);
  net::Connection& cut = open("127.0.0.1");
  feed(cut, "PROXY TCP4 10.0.0.1");
  intake_->on_peer_closed(reactor_, cut);
  EXPECT_EQ(refused(ProxyRefusal::Truncated), 1u);
  // A proxy that connects and leaves without a byte said nothing wrong.
  net::Connection& silent = open("127.0.0.1");
  intake_->on_peer_closed(reactor_, silent);
  EXPECT_EQ(silent.state, net::Connection::State::Closing);
  EXPECT_EQ(refused(ProxyRefusal::Truncated), 1u);
  EXPECT_EQ(next_.deadlines + next_.peer_closes + next_.opens, 0);
}

TEST_F(ProxyIntakeTest, AfterTheHeaderDeadlinesAndClosesBelongToTheProtocol) {
  net::Connection& c = open("127.0.0.1");
  feed(c, "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n");
  intake_->on_deadline(reactor_, c);
  intake_->on_peer_closed(reactor_, c);
  EXPECT_EQ(next_.deadlines, 1);
  EXPECT_EQ(next_.peer_closes, 1);
  EXPECT_EQ(refused(ProxyRefusal::Timeout), 0u);
  intake_->on_closed(c);
  EXPECT_EQ(next_.closes, 1);
}

TEST_F(ProxyIntakeTest, ShutdownClosesAConnectionStillWaitingForItsHeader) {
  net::Connection& waiting = open("127.0.0.1");
  net::Connection& served = open("127.0.0.2");
  intake_->on_shutdown(reactor_, waiting);
  intake_->on_shutdown(reactor_, served);
  EXPECT_EQ(waiting.state, net::Connection::State::Closing);
  EXPECT_EQ(next_.shutdowns, 1);
  EXPECT_EQ(refused(ProxyRefusal::Timeout) + refused(ProxyRefusal::Truncated), 0u);
}

TEST_F(ProxyIntakeTest, TheCapCountsTheNamedClientNotTheProxy) {
  net::AddressAdmission cap(2, trusted_);
  make_intake(&trusted_, &cap);
  const std::string from_a = "PROXY TCP4 10.0.0.1 10.0.0.9 1000 443\r\n";
  net::Connection& a1 = open("127.0.0.1");
  feed(a1, from_a);
  net::Connection& a2 = open("127.0.0.1");
  feed(a2, from_a);
  net::Connection& a3 = open("127.0.0.1");
  feed(a3, from_a + kRequest);
  EXPECT_EQ(a3.state, net::Connection::State::Closing);  // the third from 10.0.0.1
  EXPECT_EQ(refused_per_address_.get(), 1u);
  net::Connection& b = open("127.0.0.1");
  feed(b, "PROXY TCP4 10.0.0.2 10.0.0.9 1000 443\r\n");
  EXPECT_EQ(b.state, net::Connection::State::Open);  // another client still gets in
  // The proxy's own health checks are not counted against anyone.
  for (int i = 0; i < 3; ++i) feed(open("127.0.0.1"), "PROXY UNKNOWN\r\n");
  EXPECT_EQ(refused_per_address_.get(), 1u);
  // A place given back is usable again.
  intake_->on_closed(a1);
  net::Connection& again = open("127.0.0.1");
  feed(again, from_a);
  EXPECT_EQ(again.state, net::Connection::State::Open);
  EXPECT_EQ(next_.opens, 2 + 1 + 3 + 1);
  EXPECT_EQ(next_.received, "");  // the refused one's request was never seen
}

TEST_F(ProxyIntakeTest, RefusalsAreExportedByReason) {
  std::string text;
  metrics::Exposition({registry_.get()}).render(text);
  for (const char* reason : {"not_proxy", "too_long", "malformed", "bad_address", "bad_port",
                             "unsupported", "truncated", "timeout"}) {
    EXPECT_NE(text.find("rollcall_proxy_protocol_errors_total{reason=\""s + reason + "\"}"),
              std::string::npos)
        << reason;
  }
  EXPECT_NE(text.find("rollcall_proxy_protocol_headers_total{version=\"2\"}"), std::string::npos);
}

}  // namespace
}  // namespace rollcall::shard

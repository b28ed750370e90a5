// The push sender against a scripted push service on a loopback port (plain
// HTTP/1.1): what each answer leads to, retries and their delays, timeouts, the
// queue's and the per-host bounds, replacement, expiry, wake-ups and the address
// check. Waits are on conditions with deadlines (the sender is driven with short
// run_once calls until something holds), never fixed sleeps.

#include "rollcall/push/sender.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "push_test_server.hpp"
#include "rollcall/common/clock.hpp"

namespace rollcall::push {
namespace {

using Clock = std::chrono::steady_clock;
using Reply = testing::PushTestServer::Reply;

struct Reported {
  std::uint64_t subscription;
  Outcome outcome;
  int status;
  std::string body;
};

class PushSender : public ::testing::Test {
 protected:
  // Loopback, plain HTTP, fast retries; no proxy whatever the environment says.
  static SenderConfig test_config() {
    SenderConfig c;
    c.protocols = "http,https";
    c.allow_private = true;
    c.proxy = ProxyEnv{};
    c.backoff_base_ms = 5;
    c.timeout_ms = 5000;
    return c;
  }

  void make(SenderConfig c) {
    Result<std::unique_ptr<Sender>> made = Sender::create(
        std::move(c),
        [this](const Delivery& d, Outcome o, int status) {
          reported_.push_back({d.subscription_id, o, status, d.body});
        },
        metrics_);
    ASSERT_TRUE(made.ok()) << made.error();
    sender_ = std::move(made.value());
  }

  Delivery to(const std::string& path, std::uint64_t subscription, std::string topic = "",
              std::string body = "ciphertext") {
    Delivery d;
    d.subscription_id = subscription;
    d.endpoint = server_.url(path);
    d.host = "127.0.0.1";
    d.authorization = "vapid t=eyJhbGciOiJFUzI1NiJ9.e30.c2ln, k=BPub";
    d.topic = std::move(topic);
    d.urgency = "high";
    d.ttl_s = 600;
    d.body = std::move(body);
    d.event_ms = wall_ms();
    return d;
  }

  // Drives the sender until `done` holds; false if `deadline` passed first.
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    const Clock::time_point end = Clock::now() + deadline;
    while (!done()) {
      if (Clock::now() > end) return false;
      sender_->run_once(20);
    }
    return true;
  }
  bool reported(std::size_t n) {
    return run_until([&] { return reported_.size() >= n; });
  }

  const Reported* outcome_of(std::uint64_t subscription) const {
    for (const Reported& r : reported_) {
      if (r.subscription == subscription) return &r;
    }
    return nullptr;
  }
  std::uint64_t failed(FailureReason why) const {
    return metrics_.failed[static_cast<unsigned>(why)].get();
  }
  std::uint64_t dropped(DropReason why) const {
    return metrics_.dropped[static_cast<unsigned>(why)].get();
  }

  testing::PushTestServer server_;
  SenderMetrics metrics_;
  std::unique_ptr<Sender> sender_;
  std::vector<Reported> reported_;
};

TEST_F(PushSender, ReportsEachOutcomeWithItsStatus) {
  make(test_config());
  server_.script("/201", {{201}});
  server_.script("/202", {{202}});
  server_.script("/404", {{404}});
  server_.script("/410", {{410}});
  server_.script("/400", {{400}});
  server_.script("/403", {{403}});
  const char* paths[] = {"/201", "/202", "/404", "/410", "/400", "/403"};
  for (std::uint64_t i = 0; i < 6; ++i) ASSERT_TRUE(sender_->submit(to(paths[i], i + 1)));
  EXPECT_EQ(sender_->pending(), 6u);
  ASSERT_TRUE(reported(6));
  const std::pair<Outcome, int> want[] = {{Outcome::Delivered, 201}, {Outcome::Delivered, 202},
                                          {Outcome::Gone, 404},      {Outcome::Gone, 410},
                                          {Outcome::Rejected, 400},  {Outcome::Rejected, 403}};
  for (std::uint64_t i = 0; i < 6; ++i) {
    const Reported* r = outcome_of(i + 1);
    ASSERT_NE(r, nullptr) << paths[i];
    EXPECT_EQ(r->outcome, want[i].first) << paths[i];
    EXPECT_EQ(r->status, want[i].second) << paths[i];
  }
  EXPECT_EQ(sender_->pending(), 0u);
  EXPECT_EQ(server_.requests().size(), 6u);  // nothing given up at once was retried
  EXPECT_EQ(metrics_.queued.get(), 6u);
  EXPECT_EQ(metrics_.sent.get(), 2u);
  EXPECT_EQ(metrics_.gone.get(), 2u);
  EXPECT_EQ(failed(FailureReason::Status404), 1u);
  EXPECT_EQ(failed(FailureReason::Status410), 1u);
  EXPECT_EQ(failed(FailureReason::Status4xx), 2u);
  EXPECT_EQ(dropped(DropReason::Rejected), 2u);
  EXPECT_EQ(metrics_.retries.get(), 0u);
  std::uint64_t latencies = 0;
  for (std::size_t b = 0; b <= metrics::LatencyHistogram::kBoundsNs.size(); ++b) {
    latencies += metrics_.latency.bucket(b);
  }
  EXPECT_EQ(latencies, 2u);
  EXPECT_EQ(metrics_.queue_depth.get(), 0);
  EXPECT_EQ(metrics_.in_flight.get(), 0);
}

TEST_F(PushSender, SendsTheHeadersOfTheContract) {
  make(test_config());
  Delivery d = to("/push/abc", 9, "session_opened-17", std::string("\x00\x01\xff", 3));
  d.event_ms = wall_ms() - 2500;  // the TTL runs from the event
  ASSERT_TRUE(sender_->submit(d));
  ASSERT_TRUE(sender_->submit(to("/push/no-topic", 10)));
  ASSERT_TRUE(reported(2));
  const std::vector<testing::PushTestServer::Request> got = server_.requests_to("/push/abc");
  ASSERT_EQ(got.size(), 1u);
  const testing::PushTestServer::Request& r = got[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/push/abc");
  const int ttl = std::stoi(r.headers.at("ttl"));
  EXPECT_LE(ttl, 598);  // 597.5 s left, rounded up
  EXPECT_GE(ttl, 590);
  EXPECT_EQ(r.headers.at("urgency"), "high");
  EXPECT_EQ(r.headers.at("topic"), "session_opened-17");
  EXPECT_EQ(r.headers.at("content-encoding"), "aes128gcm");
  EXPECT_EQ(r.headers.at("content-type"), "application/octet-stream");
  EXPECT_EQ(r.headers.at("authorization"), d.authorization);
  EXPECT_EQ(r.headers.count("expect"), 0u);
  EXPECT_EQ(r.body, std::string("\x00\x01\xff", 3));
  const std::vector<testing::PushTestServer::Request> plain = server_.requests_to("/push/no-topic");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].headers.count("topic"), 0u);
  EXPECT_EQ(plain[0].headers.at("ttl"), "600");
}

TEST_F(PushSender, RetriesA5xxOr429FiveTimesThenGivesUp) {
  make(test_config());
  server_.script("/500", {{500}});
  server_.script("/429", {{429}});
  ASSERT_TRUE(sender_->submit(to("/500", 1)));
  ASSERT_TRUE(sender_->submit(to("/429", 2)));
  ASSERT_TRUE(reported(2));
  EXPECT_EQ(server_.requests_to("/500").size(), 6u);
  EXPECT_EQ(server_.requests_to("/429").size(), 6u);
  ASSERT_NE(outcome_of(1), nullptr);
  EXPECT_EQ(outcome_of(1)->outcome, Outcome::GaveUp);
  EXPECT_EQ(outcome_of(1)->status, 500);
  ASSERT_NE(outcome_of(2), nullptr);
  EXPECT_EQ(outcome_of(2)->outcome, Outcome::GaveUp);
  EXPECT_EQ(outcome_of(2)->status, 429);
  EXPECT_EQ(metrics_.retries.get(), 10u);
  EXPECT_EQ(failed(FailureReason::Status5xx), 6u);
  EXPECT_EQ(failed(FailureReason::Status429), 6u);
  EXPECT_EQ(dropped(DropReason::RetriesExhausted), 2u);
  // Each retry waited longer than the one before (5, 10, 20, 40, 80 ms, ±25 %).
  const std::vector<testing::PushTestServer::Request> tries = server_.requests_to("/500");
  for (std::size_t i = 1; i < tries.size(); ++i) {
    const auto gap = tries[i].at - tries[i - 1].at;
    EXPECT_GE(gap, std::chrono::milliseconds(5 * (1 << (i - 1)) * 3 / 4)) << "retry " << i;
  }
}

TEST_F(PushSender, ARetryWaitsAtLeastTheRetryAfter) {
  make(test_config());
  server_.script("/busy", {{429, "1"}, {201}});
  ASSERT_TRUE(sender_->submit(to("/busy", 1)));
  ASSERT_TRUE(reported(1));
  EXPECT_EQ(reported_[0].outcome, Outcome::Delivered);
  const std::vector<testing::PushTestServer::Request> tries = server_.requests_to("/busy");
  ASSERT_EQ(tries.size(), 2u);
  EXPECT_GE(tries[1].at - tries[0].at, std::chrono::milliseconds(1000));
  EXPECT_EQ(metrics_.retries.get(), 1u);
}

TEST_F(PushSender, AHungRequestTimesOutAndIsRetried) {
  SenderConfig c = test_config();
  c.timeout_ms = 300;
  make(c);
  server_.script("/slow", {{.hang = true}, {201}});
  const auto submitted = std::chrono::steady_clock::now();
  ASSERT_TRUE(sender_->submit(to("/slow", 1)));
  ASSERT_TRUE(reported(1));
  EXPECT_EQ(reported_[0].outcome, Outcome::Delivered);
  const std::vector<testing::PushTestServer::Request> tries = server_.requests_to("/slow");
  ASSERT_EQ(tries.size(), 2u);
  // The hung try had its 300 ms, counted from when the sender started it (the first
  // request reaches the server a few ms later, so the gap between the two arrivals
  // may be a little shorter: it once measured 296 ms under the sanitizers).
  EXPECT_GE(tries[1].at - submitted, std::chrono::milliseconds(300));
  EXPECT_EQ(failed(FailureReason::Timeout), 1u);
  EXPECT_EQ(metrics_.retries.get(), 1u);
}

TEST_F(PushSender, TheQueueBoundRefusesAndCounts) {
  SenderConfig c = test_config();
  c.queue_max = 3;
  c.host_concurrency = 1;
  make(c);
  server_.script("/held", {{.status = 201, .hold = true}});
  for (std::uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE(sender_->submit(to("/held", i)));
  EXPECT_FALSE(sender_->submit(to("/held", 4)));
  ASSERT_TRUE(run_until([&] { return server_.open_requests() == 1; }));
  // In flight still counts: the bound is on everything held.
  EXPECT_FALSE(sender_->submit(to("/held", 5)));
  EXPECT_EQ(sender_->pending(), 3u);
  EXPECT_EQ(dropped(DropReason::QueueFull), 2u);
  EXPECT_EQ(metrics_.queued.get(), 3u);
  EXPECT_EQ(metrics_.in_flight.get(), 1);
  EXPECT_EQ(metrics_.queue_depth.get(), 2);
  ASSERT_TRUE(run_until([&] {
    server_.release_held();
    return reported_.size() == 3;
  }));
  EXPECT_EQ(metrics_.sent.get(), 3u);
  EXPECT_TRUE(sender_->submit(to("/held", 6)));
}

TEST_F(PushSender, NeverExceedsThePerHostLimit) {
  SenderConfig c = test_config();
  c.host_concurrency = 3;
  make(c);
  server_.script("/held", {{.status = 201, .hold = true}});
  for (std::uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(sender_->submit(to("/held", i)));
  ASSERT_TRUE(run_until([&] { return server_.open_requests() == 3; }));
  // More turns change nothing while all three are held.
  for (int i = 0; i < 10; ++i) sender_->run_once(5);
  EXPECT_EQ(server_.open_requests(), 3u);
  EXPECT_EQ(metrics_.in_flight.get(), 3);
  ASSERT_TRUE(run_until([&] {
    server_.release_held();
    return reported_.size() == 10;
  }));
  EXPECT_EQ(server_.max_open_requests(), 3u);
  EXPECT_EQ(server_.requests().size(), 10u);
}

TEST_F(PushSender, NeverExceedsTheTotalInFlightLimit) {
  SenderConfig c = test_config();
  c.in_flight_max = 2;
  make(c);
  server_.script("/held", {{.status = 201, .hold = true}});
  for (std::uint64_t i = 1; i <= 6; ++i) {
    Delivery d = to("/held", i);
    d.host = "host-" + std::to_string(i % 3);  // three push hosts, all with room
    ASSERT_TRUE(sender_->submit(d));
  }
  ASSERT_TRUE(run_until([&] { return server_.open_requests() == 2; }));
  for (int i = 0; i < 10; ++i) sender_->run_once(5);
  EXPECT_EQ(server_.open_requests(), 2u);
  EXPECT_EQ(metrics_.in_flight.get(), 2);
  EXPECT_EQ(metrics_.queue_depth.get(), 4);
  ASSERT_TRUE(run_until([&] {
    server_.release_held();
    return reported_.size() == 6;
  }));
  EXPECT_EQ(server_.max_open_requests(), 2u);
}

TEST_F(PushSender, ANewerTopicReplacesOneStillQueued) {
  SenderConfig c = test_config();
  c.host_concurrency = 1;
  make(c);
  server_.script("/held", {{.status = 201, .hold = true}});
  ASSERT_TRUE(sender_->submit(to("/held", 1)));
  ASSERT_TRUE(run_until([&] { return server_.open_requests() == 1; }));
  ASSERT_TRUE(sender_->submit(to("/sub5", 5, "status", "old")));
  ASSERT_TRUE(sender_->submit(to("/sub5", 5, "status", "new")));
  // The replaced one is reported at once.
  ASSERT_EQ(reported_.size(), 1u);
  EXPECT_EQ(reported_[0].outcome, Outcome::Dropped);
  EXPECT_EQ(reported_[0].body, "old");
  EXPECT_EQ(dropped(DropReason::Replaced), 1u);
  EXPECT_EQ(sender_->pending(), 2u);
  server_.release_held();
  ASSERT_TRUE(reported(3));
  const std::vector<testing::PushTestServer::Request> sent = server_.requests_to("/sub5");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].body, "new");
  EXPECT_EQ(metrics_.queued.get(), 3u);
}

TEST_F(PushSender, DropsWhatExpiredInsteadOfSendingIt) {
  SenderConfig c = test_config();
  c.host_concurrency = 1;
  c.backoff_base_ms = 5000;
  make(c);
  // Already past its TTL when submitted.
  Delivery stale = to("/stale", 1);
  stale.ttl_s = 2;
  stale.event_ms = wall_ms() - 3000;
  EXPECT_FALSE(sender_->submit(stale));
  EXPECT_EQ(dropped(DropReason::Expired), 1u);
  // Expires while queued behind a held request.
  server_.script("/held", {{.status = 201, .hold = true}});
  ASSERT_TRUE(sender_->submit(to("/held", 2)));
  Delivery short_lived = to("/short", 3);
  short_lived.ttl_s = 1;
  ASSERT_TRUE(sender_->submit(short_lived));
  ASSERT_TRUE(reported(1));
  EXPECT_EQ(reported_[0].subscription, 3u);
  EXPECT_EQ(reported_[0].outcome, Outcome::Expired);
  EXPECT_EQ(dropped(DropReason::Expired), 2u);
  server_.release_held();
  ASSERT_TRUE(reported(2));
  // A retry that could only come after the TTL is not made (5 s backoff, 1 s TTL).
  server_.script("/fails", {{503}});
  Delivery failing = to("/fails", 4);
  failing.ttl_s = 1;
  ASSERT_TRUE(sender_->submit(failing));
  ASSERT_TRUE(reported(3));
  EXPECT_EQ(reported_[2].outcome, Outcome::Expired);
  EXPECT_EQ(reported_[2].status, 503);
  EXPECT_EQ(server_.requests_to("/fails").size(), 1u);
  EXPECT_TRUE(server_.requests_to("/stale").empty());
  EXPECT_TRUE(server_.requests_to("/short").empty());
  EXPECT_EQ(dropped(DropReason::Expired), 3u);
}

TEST_F(PushSender, ARetryAfterBeyondTheTtlEndsTheDelivery) {
  make(test_config());
  server_.script("/later", {{429, "3600"}});
  Delivery d = to("/later", 1);
  d.ttl_s = 60;
  ASSERT_TRUE(sender_->submit(d));
  ASSERT_TRUE(reported(1));
  EXPECT_EQ(reported_[0].outcome, Outcome::Expired);
  EXPECT_EQ(reported_[0].status, 429);
  EXPECT_EQ(server_.requests_to("/later").size(), 1u);
  EXPECT_EQ(dropped(DropReason::Expired), 1u);
  EXPECT_EQ(metrics_.retries.get(), 0u);
}

TEST_F(PushSender, ReusesItsConnection) {
  SenderConfig c = test_config();
  c.host_concurrency = 1;
  make(c);
  for (std::uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(sender_->submit(to("/201", i)));
  ASSERT_TRUE(reported(5));
  EXPECT_EQ(server_.requests().size(), 5u);
  EXPECT_EQ(server_.connections_accepted(), 1u);
}

TEST_F(PushSender, WakeupEndsAWaitEarly) {
  make(test_config());
  std::atomic<bool> started{false};
  std::thread other([&] {
    while (!started.load()) std::this_thread::yield();
    sender_->wakeup();
  });
  const Clock::time_point before = Clock::now();
  started.store(true);
  sender_->run_once(30'000);
  const auto waited = Clock::now() - before;
  other.join();
  EXPECT_LT(waited, std::chrono::seconds(10));
}

TEST_F(PushSender, RefusesToConnectToAnAddressThatIsNotPublic) {
  SenderConfig c = test_config();
  c.allow_private = false;
  make(c);
  ASSERT_TRUE(sender_->submit(to("/201", 1)));
  ASSERT_TRUE(reported(1));
  EXPECT_EQ(reported_[0].outcome, Outcome::Rejected);
  EXPECT_EQ(reported_[0].status, 0);
  EXPECT_EQ(failed(FailureReason::BlockedAddress), 1u);
  EXPECT_EQ(dropped(DropReason::Rejected), 1u);
  EXPECT_EQ(metrics_.retries.get(), 0u);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(PushSender, GoesThroughAProxyWhoseAddressIsNotChecked) {
  // The proxy (the test server) is on loopback; the push service's name is the
  // proxy's to resolve. http://push.invalid/ would not resolve without it.
  SenderConfig c = test_config();
  c.allow_private = false;
  c.proxy = ProxyEnv("", server_.url(""), "");
  make(c);
  Delivery d = to("/x", 1);
  d.endpoint = "http://push.invalid/via-proxy";
  d.host = "push.invalid";
  ASSERT_TRUE(sender_->submit(d));
  ASSERT_TRUE(reported(1));
  EXPECT_EQ(reported_[0].outcome, Outcome::Delivered);
  const std::vector<testing::PushTestServer::Request> got = server_.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "http://push.invalid/via-proxy");
}

TEST_F(PushSender, RefusesDeliveriesThatCannotBeSentAsIs) {
  make(test_config());
  Delivery bad = to("/201", 1);
  bad.authorization = "vapid t=x\r\nX-Injected: 1";
  EXPECT_FALSE(sender_->submit(bad));
  EXPECT_EQ(dropped(DropReason::Rejected), 1u);
  EXPECT_EQ(sender_->pending(), 0u);
}

TEST_F(PushSender, RefusesSchemesNotAllowed) {
  SenderConfig c = test_config();
  c.protocols = "https";
  make(c);
  EXPECT_FALSE(sender_->submit(to("/201", 1)));
  EXPECT_EQ(dropped(DropReason::Rejected), 1u);
  sender_->run_once(0);
  EXPECT_TRUE(reported_.empty());
  EXPECT_TRUE(server_.requests().empty());
}

TEST(PushSenderConfig, AnUnusableCaFileIsAnError) {
  SenderMetrics metrics;
  SenderConfig c;
  c.ca_file = "/nonexistent/ca.pem";
  Result<std::unique_ptr<Sender>> made = Sender::create(
      c, [](const Delivery&, Outcome, int) {}, metrics);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().find("/nonexistent/ca.pem"), std::string::npos) << made.error();
}

}  // namespace
}  // namespace rollcall::push

// The sender's bookkeeping: bounds, fairness across push hosts, replacement by
// topic, retries and expiry, without any network.

#include "rollcall/push/send_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rollcall::push {
namespace {

Delivery delivery(std::uint64_t subscription, std::string host, std::string topic = "",
                  std::string body = "") {
  Delivery d;
  d.subscription_id = subscription;
  d.endpoint = "https://" + host + "/" + std::to_string(subscription);
  d.host = std::move(host);
  d.topic = std::move(topic);
  d.body = std::move(body);
  return d;
}

// Starts everything startable; the subscriptions in start order.
std::vector<std::uint64_t> start_all(SendQueue& q,
                                     std::vector<SendQueue::Ticket>* tickets = nullptr) {
  std::vector<std::uint64_t> out;
  while (std::optional<SendQueue::Ticket> t = q.start_next()) {
    out.push_back(q.delivery(*t).subscription_id);
    if (tickets) tickets->push_back(*t);
  }
  return out;
}

TEST(PushSendQueue, RefusesBeyondItsBoundCountingEveryPlace) {
  SendQueue q({.deliveries_max = 3, .host_in_flight_max = 1, .in_flight_max = 1000});
  EXPECT_EQ(q.admit(delivery(1, "a"), 1000).admission, SendQueue::Admission::Accepted);
  EXPECT_EQ(q.admit(delivery(2, "a"), 1000).admission, SendQueue::Admission::Accepted);
  std::vector<SendQueue::Ticket> started;
  EXPECT_EQ(start_all(q, &started), (std::vector<std::uint64_t>{1}));
  ASSERT_FALSE(q.wait_for_retry(started[0], 500));  // 1 waits, 2 is ready
  EXPECT_EQ(q.admit(delivery(3, "b"), 1000).admission, SendQueue::Admission::Accepted);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.admit(delivery(4, "c"), 1000).admission, SendQueue::Admission::Full);
  EXPECT_EQ(q.size(), 3u);
  started.clear();
  EXPECT_EQ(start_all(q, &started), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(q.finish(started[0]).subscription_id, 2u);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.admit(delivery(4, "c"), 1000).admission, SendQueue::Admission::Accepted);
}

TEST(PushSendQueue, KeepsEachHostWithinItsInFlightLimitAndFifo) {
  SendQueue q({.deliveries_max = 100, .host_in_flight_max = 2, .in_flight_max = 1000});
  for (std::uint64_t i = 1; i <= 5; ++i)
    ASSERT_EQ(q.admit(delivery(i, "a"), 1000).admission, SendQueue::Admission::Accepted);
  std::vector<SendQueue::Ticket> started;
  EXPECT_EQ(start_all(q, &started), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(q.host_in_flight("a"), 2u);
  EXPECT_EQ(q.in_flight(), 2u);
  q.finish(started[1]);
  EXPECT_EQ(q.host_in_flight("a"), 1u);
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(q.host_in_flight("a"), 2u);
  EXPECT_EQ(q.host_in_flight("elsewhere"), 0u);
}

TEST(PushSendQueue, KeepsAllHostsTogetherWithinTheTotalInFlightLimit) {
  SendQueue q({.deliveries_max = 100, .host_in_flight_max = 10, .in_flight_max = 3});
  for (std::uint64_t i = 1; i <= 4; ++i) (void)q.admit(delivery(i, "a" + std::to_string(i)), 1000);
  (void)q.admit(delivery(11, "a1"), 1000);
  std::vector<SendQueue::Ticket> started;
  EXPECT_EQ(start_all(q, &started), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(q.in_flight(), 3u);
  q.finish(started[0]);
  // The freed place goes to the next host in turn, not back to the one that had it.
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{4}));
  q.finish(started[1]);
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{11}));
}

TEST(PushSendQueue, HostsTakeTurns) {
  SendQueue q({.deliveries_max = 100, .host_in_flight_max = 10, .in_flight_max = 1000});
  // Host a has a backlog of 6, b and c one or two each: they must not wait behind a.
  for (std::uint64_t i = 1; i <= 6; ++i) (void)q.admit(delivery(i, "a"), 1000);
  (void)q.admit(delivery(11, "b"), 1000);
  (void)q.admit(delivery(12, "b"), 1000);
  (void)q.admit(delivery(21, "c"), 1000);
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{1, 11, 21, 2, 12, 3, 4, 5, 6}));
}

TEST(PushSendQueue, AFullHostDoesNotBlockOthers) {
  SendQueue q({.deliveries_max = 100, .host_in_flight_max = 1, .in_flight_max = 1000});
  (void)q.admit(delivery(1, "slow"), 1000);
  (void)q.admit(delivery(2, "slow"), 1000);
  (void)q.admit(delivery(3, "slow"), 1000);
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{1}));
  (void)q.admit(delivery(10, "fast"), 1000);
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{10}));
}

TEST(PushSendQueue, ANewerTopicReplacesAReadyDeliveryInItsPlace) {
  SendQueue q({.deliveries_max = 2, .host_in_flight_max = 1, .in_flight_max = 1000});
  (void)q.admit(delivery(1, "a", "session-9", "old"), 1000);
  (void)q.admit(delivery(2, "a"), 1000);
  // Full, but a replacement takes no new place.
  SendQueue::Admitted r = q.admit(delivery(1, "a", "session-9", "new"), 2000);
  ASSERT_EQ(r.admission, SendQueue::Admission::Replaced);
  EXPECT_EQ(r.replaced.body, "old");
  EXPECT_EQ(q.size(), 2u);
  std::optional<SendQueue::Ticket> t = q.start_next();
  ASSERT_TRUE(t);
  EXPECT_EQ(q.delivery(*t).body, "new");  // still first in its host's FIFO
  EXPECT_EQ(q.expires_ms(*t), 2000);
  // Another subscription, or no topic, or another topic, replaces nothing.
  SendQueue q2({.deliveries_max = 10, .host_in_flight_max = 1, .in_flight_max = 1000});
  (void)q2.admit(delivery(1, "a", "t"), 1000);
  EXPECT_EQ(q2.admit(delivery(2, "a", "t"), 1000).admission, SendQueue::Admission::Accepted);
  EXPECT_EQ(q2.admit(delivery(1, "a", "u"), 1000).admission, SendQueue::Admission::Accepted);
  EXPECT_EQ(q2.admit(delivery(1, "a", ""), 1000).admission, SendQueue::Admission::Accepted);
  EXPECT_EQ(q2.admit(delivery(1, "a", ""), 1000).admission, SendQueue::Admission::Accepted);
  EXPECT_EQ(q2.size(), 5u);
}

TEST(PushSendQueue, ANewerTopicReplacesAWaitingRetryKeepingItsSchedule) {
  SendQueue q({.deliveries_max = 10, .host_in_flight_max = 1, .in_flight_max = 1000});
  (void)q.admit(delivery(1, "a", "t", "old"), 10'000);
  std::optional<SendQueue::Ticket> t = q.start_next();
  ASSERT_TRUE(t);
  ASSERT_FALSE(q.wait_for_retry(*t, 500));
  SendQueue::Admitted r = q.admit(delivery(1, "a", "t", "new"), 20'000);
  ASSERT_EQ(r.admission, SendQueue::Admission::Replaced);
  EXPECT_EQ(r.replaced.body, "old");
  EXPECT_EQ(q.waiting(), 1u);
  EXPECT_EQ(q.next_due_ms(), 500);
  EXPECT_FALSE(q.start_next());
  q.promote_due(500);
  t = q.start_next();
  ASSERT_TRUE(t);
  EXPECT_EQ(q.delivery(*t).body, "new");
  EXPECT_EQ(q.attempts(*t), 2u);
}

TEST(PushSendQueue, InFlightIsNeverReplacedButLosesItsRetryToANewerOne) {
  SendQueue q({.deliveries_max = 10, .host_in_flight_max = 1, .in_flight_max = 1000});
  (void)q.admit(delivery(1, "a", "t", "first"), 10'000);
  std::optional<SendQueue::Ticket> first = q.start_next();
  ASSERT_TRUE(first);
  EXPECT_EQ(q.admit(delivery(1, "a", "t", "second"), 10'000).admission,
            SendQueue::Admission::Accepted);
  EXPECT_EQ(q.size(), 2u);
  // The first fails: the second already carries the news, so the first is not retried.
  std::optional<Delivery> superseded = q.wait_for_retry(*first, 100);
  ASSERT_TRUE(superseded);
  EXPECT_EQ(superseded->body, "first");
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.waiting(), 0u);
  std::optional<SendQueue::Ticket> second = q.start_next();
  ASSERT_TRUE(second);
  EXPECT_EQ(q.delivery(*second).body, "second");
  // And a third replaces nothing in flight; the second's retry is kept if no newer came.
  ASSERT_FALSE(q.wait_for_retry(*second, 200));
  EXPECT_EQ(q.admit(delivery(1, "a", "t", "third"), 10'000).admission,
            SendQueue::Admission::Replaced);
}

TEST(PushSendQueue, PromotesDueRetriesInDueOrder) {
  SendQueue q({.deliveries_max = 10, .host_in_flight_max = 10, .in_flight_max = 1000});
  for (std::uint64_t i = 1; i <= 3; ++i) (void)q.admit(delivery(i, "a"), 10'000);
  std::vector<SendQueue::Ticket> started;
  start_all(q, &started);
  ASSERT_EQ(started.size(), 3u);
  ASSERT_FALSE(q.wait_for_retry(started[0], 300));
  ASSERT_FALSE(q.wait_for_retry(started[1], 100));
  ASSERT_FALSE(q.wait_for_retry(started[2], 200));
  EXPECT_EQ(q.next_due_ms(), 100);
  q.promote_due(99);
  EXPECT_TRUE(start_all(q).empty());
  q.promote_due(250);
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(q.next_due_ms(), 300);
  q.promote_due(300);
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(q.next_due_ms(), std::nullopt);
}

TEST(PushSendQueue, TakesExpiredDeliveriesThatAreNotInFlight) {
  SendQueue q({.deliveries_max = 10, .host_in_flight_max = 1, .in_flight_max = 1000});
  (void)q.admit(delivery(1, "a"), 100);       // in flight: judged when it comes back
  (void)q.admit(delivery(2, "a"), 100);       // ready behind it
  (void)q.admit(delivery(3, "a"), 5000);      // ready, alive
  (void)q.admit(delivery(4, "b", "t"), 100);  // will wait for a retry
  std::optional<SendQueue::Ticket> one = q.start_next();
  std::optional<SendQueue::Ticket> four = q.start_next();
  ASSERT_TRUE(one && four);
  ASSERT_FALSE(q.wait_for_retry(*four, 4000));
  std::vector<Delivery> expired;
  q.take_expired(99, expired);
  EXPECT_TRUE(expired.empty());
  q.take_expired(100, expired);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].subscription_id + expired[1].subscription_id, 6u);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.waiting(), 0u);
  // The expired topic no longer replaces anything; the next in a's FIFO is 3.
  EXPECT_EQ(q.admit(delivery(4, "b", "t"), 9000).admission, SendQueue::Admission::Accepted);
  q.finish(*one);
  EXPECT_EQ(start_all(q), (std::vector<std::uint64_t>{3, 4}));
}

}  // namespace
}  // namespace rollcall::push

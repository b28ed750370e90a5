// What the sender refuses to put on the wire (a caller's bug, never sent).

#include "rollcall/push/delivery.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rollcall::push {
namespace {

Delivery valid() {
  Delivery d;
  d.subscription_id = 7;
  d.endpoint = "https://push.example.com/x";
  d.host = "push.example.com";
  d.authorization = "vapid t=eyJ0eXAiOiJKV1QifQ.e30.c2ln, k=BAAAA";
  d.topic = "session_opened-42";
  d.body = std::string(kBodyBytesMax, 'b');
  return d;
}

TEST(PushDelivery, AcceptsWhatTheRfcsAllow) {
  EXPECT_EQ(delivery_problem(valid()), "");
  for (const char* urgency : {"very-low", "low", "normal", "high"}) {
    Delivery d = valid();
    d.urgency = urgency;
    EXPECT_EQ(delivery_problem(d), "") << urgency;
  }
  Delivery no_topic = valid();
  no_topic.topic.clear();
  EXPECT_EQ(delivery_problem(no_topic), "");
  Delivery long_topic = valid();
  long_topic.topic = std::string(kTopicBytesMax, 'A');
  EXPECT_EQ(delivery_problem(long_topic), "");
}

TEST(PushDelivery, RefusesWhatCouldNotBeSentAsIs) {
  const auto problem = [](auto change) {
    Delivery d = valid();
    change(d);
    return std::string(delivery_problem(d));
  };
  EXPECT_NE(problem([](Delivery& d) { d.authorization += "\r\nX-Evil: 1"; }), "");
  EXPECT_NE(problem([](Delivery& d) { d.authorization = ""; }), "");
  EXPECT_NE(
      problem([](Delivery& d) { d.authorization = std::string(kAuthorizationBytesMax + 1, 'a'); }),
      "");
  EXPECT_NE(problem([](Delivery& d) { d.urgency = "urgent"; }), "");
  EXPECT_NE(problem([](Delivery& d) { d.urgency = "high\r\n"; }), "");
  EXPECT_NE(problem([](Delivery& d) { d.topic = std::string(kTopicBytesMax + 1, 'A'); }), "");
  EXPECT_NE(problem([](Delivery& d) { d.topic = "a+b"; }), "");
  EXPECT_NE(problem([](Delivery& d) { d.topic = "a b"; }), "");
  EXPECT_NE(problem([](Delivery& d) { d.body = std::string(kBodyBytesMax + 1, 'b'); }), "");
  EXPECT_NE(problem([](Delivery& d) { d.ttl_s = 0; }), "");
  EXPECT_NE(problem([](Delivery& d) { d.host.clear(); }), "");
  EXPECT_NE(problem([](Delivery& d) { d.endpoint.clear(); }), "");
  EXPECT_NE(problem([](Delivery& d) { d.endpoint = "https://a/\nb"; }), "");
}

TEST(PushDelivery, NamesEveryOutcome) {
  EXPECT_EQ(outcome_name(Outcome::Delivered), "delivered");
  EXPECT_EQ(outcome_name(Outcome::Gone), "gone");
  EXPECT_EQ(outcome_name(Outcome::Rejected), "rejected");
  EXPECT_EQ(outcome_name(Outcome::GaveUp), "gave_up");
  EXPECT_EQ(outcome_name(Outcome::Expired), "expired");
  EXPECT_EQ(outcome_name(Outcome::Dropped), "dropped");
}

}  // namespace
}  // namespace rollcall::push

// The retry rules of push delivery (API.md §8), apart from the network.

#include "rollcall/push/retry_policy.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace rollcall::push {
namespace {

TEST(PushRetryPolicy, JudgesEveryAnswer) {
  struct Row {
    TransportError error;
    int status;
    Verdict verdict;
    FailureReason reason;
  };
  const Row rows[] = {
      {TransportError::None, 404, Verdict::Gone, FailureReason::Status404},
      {TransportError::None, 410, Verdict::Gone, FailureReason::Status410},
      {TransportError::None, 429, Verdict::Retry, FailureReason::Status429},
      {TransportError::None, 500, Verdict::Retry, FailureReason::Status5xx},
      {TransportError::None, 503, Verdict::Retry, FailureReason::Status5xx},
      {TransportError::None, 599, Verdict::Retry, FailureReason::Status5xx},
      {TransportError::None, 400, Verdict::Reject, FailureReason::Status4xx},
      {TransportError::None, 401, Verdict::Reject, FailureReason::Status4xx},
      {TransportError::None, 403, Verdict::Reject, FailureReason::Status4xx},
      {TransportError::None, 413, Verdict::Reject, FailureReason::Status4xx},
      {TransportError::None, 301, Verdict::Reject, FailureReason::StatusOther},
      {TransportError::None, 200, Verdict::Reject, FailureReason::StatusOther},
      {TransportError::None, 0, Verdict::Reject, FailureReason::StatusOther},
      {TransportError::Timeout, 0, Verdict::Retry, FailureReason::Timeout},
      {TransportError::Timeout, 200, Verdict::Retry, FailureReason::Timeout},
      {TransportError::Network, 0, Verdict::Retry, FailureReason::Network},
      {TransportError::Tls, 0, Verdict::Retry, FailureReason::Tls},
      {TransportError::BlockedAddress, 0, Verdict::Reject, FailureReason::BlockedAddress},
      {TransportError::Unsendable, 0, Verdict::Reject, FailureReason::StatusOther},
  };
  for (const Row& r : rows) {
    const Judgement j = judge_attempt(r.error, r.status);
    EXPECT_EQ(j.verdict, r.verdict) << r.status << " error " << static_cast<int>(r.error);
    EXPECT_EQ(j.reason, r.reason) << r.status << " error " << static_cast<int>(r.error);
  }
  EXPECT_EQ(judge_attempt(TransportError::None, 201).verdict, Verdict::Delivered);
  EXPECT_EQ(judge_attempt(TransportError::None, 202).verdict, Verdict::Delivered);
}

TEST(PushRetryPolicy, BacksOffExponentiallyWithJitter) {
  EXPECT_EQ(backoff_ms(1, 1000, 0.5), 1000);
  EXPECT_EQ(backoff_ms(2, 1000, 0.5), 2000);
  EXPECT_EQ(backoff_ms(3, 1000, 0.5), 4000);
  EXPECT_EQ(backoff_ms(4, 1000, 0.5), 8000);
  EXPECT_EQ(backoff_ms(5, 1000, 0.5), 16000);
  EXPECT_EQ(backoff_ms(1, 1000, 0.0), 750);
  EXPECT_LT(backoff_ms(1, 1000, 0.999999), 1250);
  EXPECT_GE(backoff_ms(1, 1000, 0.999999), 1249);
  EXPECT_EQ(backoff_ms(3, 10, 0.5), 40);
  // The doubling stops: no overflow however many retries are configured.
  EXPECT_EQ(backoff_ms(200, 1000, 0.5), backoff_ms(21, 1000, 0.5));
  EXPECT_GT(backoff_ms(200, 4'000'000'000u, 0.99), 0);
}

TEST(PushRetryPolicy, ReadsRetryAfterAsSecondsOrAnHttpDate) {
  constexpr std::int64_t kSunday = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  const std::int64_t now = (kSunday - 90) * 1000;
  EXPECT_EQ(retry_after_ms("1", now), 1000);
  EXPECT_EQ(retry_after_ms("0", now), 0);
  EXPECT_EQ(retry_after_ms(" 120 ", now), 120000);
  EXPECT_EQ(retry_after_ms("99999999999999999999999", now), kRetryAfterMsMax);
  EXPECT_EQ(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now), 90000);
  EXPECT_EQ(retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", now), 90000);
  EXPECT_EQ(retry_after_ms("Sun Nov  6 08:49:37 1994", now), 90000);
  EXPECT_EQ(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", (kSunday + 5) * 1000), 0);
  EXPECT_EQ(retry_after_ms("", now), std::nullopt);
  EXPECT_EQ(retry_after_ms("-1", now), std::nullopt);
  EXPECT_EQ(retry_after_ms("1.5", now), std::nullopt);
  EXPECT_EQ(retry_after_ms("soon", now), std::nullopt);
  EXPECT_EQ(retry_after_ms("1 2", now), std::nullopt);
}

TEST(PushRetryPolicy, PlansRetriesWithinTheirCountAndTheDeliverysLife) {
  using Kind = RetryPlan::Kind;
  const RetryPlan first = plan_retry(1, 5, 1000, std::nullopt, 3'600'000);
  EXPECT_EQ(first.kind, Kind::Retry);
  EXPECT_EQ(first.delay_ms, 1000);
  // Retry-After later than the backoff wins; earlier does not shorten it.
  EXPECT_EQ(plan_retry(1, 5, 1000, 30'000, 3'600'000).delay_ms, 30'000);
  EXPECT_EQ(plan_retry(3, 5, 4000, 1000, 3'600'000).delay_ms, 4000);
  // Five retries: the sixth attempt's failure is final.
  EXPECT_EQ(plan_retry(5, 5, 16000, std::nullopt, 3'600'000).kind, Kind::Retry);
  EXPECT_EQ(plan_retry(6, 5, 32000, std::nullopt, 3'600'000).kind, Kind::Exhausted);
  EXPECT_EQ(plan_retry(1, 0, 1000, std::nullopt, 3'600'000).kind, Kind::Exhausted);
  // A retry that could only happen after the delivery expired is not made.
  EXPECT_EQ(plan_retry(1, 5, 1000, 7'200'000, 3'600'000).kind, Kind::Expired);
  EXPECT_EQ(plan_retry(2, 5, 2000, std::nullopt, 2000).kind, Kind::Expired);
  EXPECT_EQ(plan_retry(2, 5, 2000, std::nullopt, 2001).kind, Kind::Retry);
}

}  // namespace
}  // namespace rollcall::push

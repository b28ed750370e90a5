#include "rollcall/push/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include "rollcall/common/assert.hpp"

namespace rollcall::push {

Judgement judge_attempt(TransportError error, int http_status) {
  switch (error) {
    case TransportError::Timeout: return {Verdict::Retry, FailureReason::Timeout};
    case TransportError::Network: return {Verdict::Retry, FailureReason::Network};
    case TransportError::Tls: return {Verdict::Retry, FailureReason::Tls};
    case TransportError::BlockedAddress: return {Verdict::Reject, FailureReason::BlockedAddress};
    case TransportError::Unsendable: return {Verdict::Reject, FailureReason::StatusOther};
    case TransportError::None: break;
  }
  switch (http_status) {
    case 201:
    case 202: return {Verdict::Delivered, FailureReason::StatusOther};
    case 404: return {Verdict::Gone, FailureReason::Status404};
    case 410: return {Verdict::Gone, FailureReason::Status410};
    case 429: return {Verdict::Retry, FailureReason::Status429};
    default: break;
  }
  if (http_status >= 500 && http_status <= 599) return {Verdict::Retry, FailureReason::Status5xx};
  if (http_status >= 400 && http_status <= 499) return {Verdict::Reject, FailureReason::Status4xx};
  return {Verdict::Reject, FailureReason::StatusOther};
}

std::int64_t backoff_ms(unsigned retry, std::uint32_t base_ms, double jitter) {
  RC_ASSERT(retry >= 1);
  RC_ASSERT(jitter >= 0.0 && jitter < 1.0);
  constexpr unsigned kDoublingsMax = 20;
  const unsigned doublings = std::min(retry - 1, kDoublingsMax);
  const double nominal = static_cast<double>(base_ms) * static_cast<double>(1u << doublings);
  return static_cast<std::int64_t>(nominal * (0.75 + 0.5 * jitter));
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Delta-seconds, saturating at kRetryAfterMsMax.
std::int64_t delta_ms(std::string_view digits) {
  constexpr std::size_t kDigitsMax = 12;  // 10^12 s is far beyond the cap already
  if (digits.size() > kDigitsMax) return kRetryAfterMsMax;
  std::int64_t seconds = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
  return std::min(seconds * 1000, kRetryAfterMsMax);
}

}  // namespace

std::optional<std::int64_t> retry_after_ms(std::string_view value, std::int64_t now_wall_ms) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) return delta_ms(value);
  // An HTTP-date has a letter first (the day name) and no more than 40 characters;
  // libcurl's date parser reads all three of RFC 9110's forms.
  constexpr std::size_t kDateBytesMax = 40;
  if (value.size() > kDateBytesMax || !std::isalpha(static_cast<unsigned char>(value[0]))) {
    return std::nullopt;
  }
  const std::string text(value);
  const time_t at_s = curl_getdate(text.c_str(), nullptr);
  if (at_s < 0) return std::nullopt;
  const std::int64_t delay = static_cast<std::int64_t>(at_s) * 1000 - now_wall_ms;
  return std::clamp<std::int64_t>(delay, 0, kRetryAfterMsMax);
}

RetryPlan plan_retry(unsigned attempts, unsigned retries_max, std::int64_t backoff,
                     std::optional<std::int64_t> retry_after, std::int64_t remaining_ms) {
  RC_ASSERT(attempts >= 1);
  if (attempts > retries_max) return {RetryPlan::Kind::Exhausted, 0};
  const std::int64_t delay = std::max(backoff, retry_after.value_or(0));
  if (delay >= remaining_ms) return {RetryPlan::Kind::Expired, 0};
  return {RetryPlan::Kind::Retry, delay};
}

}  // namespace rollcall::push

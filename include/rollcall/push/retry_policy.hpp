#pragma once
/// What a push attempt's answer means and when to try again (API.md §8): pure
/// functions, no clock and no randomness of their own, so that every rule is
/// unit-tested apart from the network.
///
/// - 201/202: delivered. 404/410: the subscription is gone.
/// - 429, 5xx, a timeout, a network or TLS error: retried with exponential backoff
///   (base × 1, 2, 4, 8, 16, with ±25 % jitter), at least as late as `Retry-After`,
///   at most `retries_max` times; a retry that could only happen once the delivery
///   expired is not made.
/// - Any other status (other 4xx, 3xx since redirects are not followed, a 2xx
///   that is neither 201 nor 202), a connection refused because the address is
///   not public, a URL libcurl will not send to: given up at once.

#include <cstdint>
#include <optional>
#include <string_view>

namespace rollcall::push {

/// How an attempt ended below HTTP. Unsendable: libcurl refused the URL itself (a
/// scheme not allowed, a malformed URL), which no retry changes.
enum class TransportError : std::uint8_t {
  None,
  Timeout,
  Network,
  Tls,
  BlockedAddress,
  Unsendable
};

/// Why an attempt failed: the `status` label of `rollcall_push_failed_total`, in the
/// order of `SenderMetrics::kFailureLabels`.
enum class FailureReason : std::uint8_t {
  Status404,
  Status410,
  Status429,
  Status4xx,  ///< any other 4xx
  Status5xx,
  StatusOther,  ///< 1xx, 3xx, a 2xx other than 201/202, a URL libcurl refused
  Timeout,
  Network,
  Tls,
  BlockedAddress,
};
inline constexpr unsigned kFailureReasonCount = 10;

enum class Verdict : std::uint8_t { Delivered, Gone, Reject, Retry };

struct Judgement {
  Verdict verdict = Verdict::Delivered;
  FailureReason reason = FailureReason::StatusOther;  ///< meaningless when Delivered
};

/// The meaning of one attempt: `error` if the transfer failed below HTTP, else the
/// final response's `http_status`.
Judgement judge_attempt(TransportError error, int http_status);

/// Delay before retry number `retry` (1 for the first): `base_ms` × 2^(retry − 1)
/// (the doubling stops at 2^20), times a jitter factor 0.75 + 0.5 × `jitter`;
/// `jitter` in [0, 1).
std::int64_t backoff_ms(unsigned retry, std::uint32_t base_ms, double jitter);

/// Longest delay a `Retry-After` value is read as (delta-seconds saturate here).
inline constexpr std::int64_t kRetryAfterMsMax = std::int64_t{1} << 40;  // ~35 years

/// The delay, in ms from `now_wall_ms` (milliseconds since the epoch), that a
/// `Retry-After` value asks for: delta-seconds (digits only), or an HTTP-date in
/// any of RFC 9110's three forms (a date already past is 0). Blanks around the
/// value are ignored; nullopt for anything else.
std::optional<std::int64_t> retry_after_ms(std::string_view value, std::int64_t now_wall_ms);

struct RetryPlan {
  enum class Kind : std::uint8_t { Retry, Exhausted, Expired };
  Kind kind = Kind::Retry;
  std::int64_t delay_ms = 0;  ///< when Retry: from now
};

/// After failed attempt number `attempts` (1 for the first) whose verdict was Retry:
/// Exhausted once `attempts` > `retries_max`; else the later of `backoff` and
/// `retry_after` (if any), unless that is not before the delivery expires
/// (`remaining_ms`): Expired then.
RetryPlan plan_retry(unsigned attempts, unsigned retries_max, std::int64_t backoff,
                     std::optional<std::int64_t> retry_after, std::int64_t remaining_ms);

}  // namespace rollcall::push

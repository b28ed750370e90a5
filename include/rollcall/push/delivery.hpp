#pragma once
/// One push message to one subscription, as the push worker hands it to the
/// `Sender`, and how its delivery ended (API.md §8).

#include <cstdint>
#include <string>
#include <string_view>

namespace rollcall::push {

/// Everything one POST to a push service needs. The body is already encrypted
/// (aes128gcm) and `authorization` already signed (VAPID); the sender reads neither.
struct Delivery {
  std::uint64_t subscription_id = 0;
  std::string endpoint;       ///< the subscription's URL (it passed `parse_endpoint`)
  std::string host;           ///< `Endpoint::host`: the key of the per-host limit
  std::string authorization;  ///< the `Authorization` header's value (printable ASCII)
  std::string topic;          ///< `Topic` (empty: none); at most 32 base64url characters (RFC 8030)
  std::string urgency = "normal";  ///< `very-low`, `low`, `normal` or `high`
  std::uint32_t ttl_s = 3600;      ///< life from `event_ms` (or from `submit` when 0); > 0
  std::string body;                ///< at most `kBodyBytesMax`
  /// When the causing event happened, ms since the epoch (0: unknown): the TTL's
  /// start and the latency metric's.
  std::int64_t event_ms = 0;
};

/// Largest body sent: a push service must accept 4096 bytes (RFC 8030 §7.2).
inline constexpr std::size_t kBodyBytesMax = 4096;
/// Longest `Authorization` value sent (a VAPID header is ~250 bytes).
inline constexpr std::size_t kAuthorizationBytesMax = 4096;
/// Longest `Topic` (RFC 8030 §5.4).
inline constexpr std::size_t kTopicBytesMax = 32;

/// How a delivery ended; each delivery `Sender::submit` accepted ends exactly once.
enum class Outcome : std::uint8_t {
  Delivered,  ///< 201 or 202
  Gone,       ///< 404 or 410: the subscription is no more; delete it
  Rejected,   ///< given up at once: another 4xx, 3xx, an address that is not public
  GaveUp,     ///< 429, 5xx, timeouts or network errors, `retries_max` retries included
  Expired,    ///< its TTL ran out before it could be (re)sent
  Dropped,    ///< replaced by a newer delivery of the same subscription and topic
};

std::string_view outcome_name(Outcome outcome);

/// Why a delivery cannot be sent at all (a bug of the caller's), or empty: a
/// header value with bytes that are not printable ASCII, an urgency or topic the
/// RFC does not allow, a body or header over its bound, no endpoint or host.
std::string_view delivery_problem(const Delivery& d);

}  // namespace rollcall::push

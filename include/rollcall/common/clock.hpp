#pragma once
/// Time sources. Monotonic time drives timeouts; wall time is only for display
/// (Date header, logs, RFC 3339 stamps).

#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace rollcall {

/// Monotonic milliseconds (CLOCK_MONOTONIC_COARSE is too coarse for latency figures,
/// so this is CLOCK_MONOTONIC; it is read once per loop turn, not per request).
inline std::uint64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

inline std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

/// Milliseconds since the Unix epoch.
inline std::int64_t wall_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

/// Writes `2026-11-22T08:01:02.345Z` (24 chars) for `epoch_ms` into `out`; returns 24.
std::size_t format_rfc3339_ms(std::int64_t epoch_ms, char* out);

/// Parses an RFC 3339 date-time with a time zone (`2026-11-22T08:01:02.345Z`,
/// `...T09:01:02+01:00`; fractions up to 9 digits, truncated to ms; `T`/`Z` in either
/// case; years 1970-9999; no leap second). Milliseconds since the epoch, or nullopt.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

/// Writes an IMF-fixdate (`Sun, 22 Nov 2026 08:01:02 GMT`, 29 chars); returns 29.
std::size_t format_http_date(std::int64_t epoch_s, char* out);

}  // namespace rollcall

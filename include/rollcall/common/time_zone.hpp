#pragma once
/// The district's time zone (`--timezone`, an IANA name such as "America/Chicago";
/// default UTC): what "today" and a date YYYY-MM-DD mean in history, reports,
/// CSV files and the admin's today view (API.md §4). Times on the wire stay RFC 3339
/// UTC.
///
/// The zone's rules come from the system's tz database (/usr/share/zoneinfo, or
/// $TZDIR) through the C library: `install` sets the process's TZ once, before any
/// shard starts, and `localtime_r` reads it (thread-safe). So one process has one
/// zone; UTC needs no database.

#include <cstdint>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"

namespace rollcall {

class TimeZone {
 public:
  /// UTC, without the tz database.
  TimeZone() = default;

  /// Checks `name` (an IANA zone name: letters, digits, '/', '_', '+', '-', no
  /// "..", a file of the tz database that starts with "TZif"); "UTC" is always
  /// accepted. Does not install it.
  static Result<TimeZone> named(std::string_view name);

  /// Makes this the process's zone for `localtime_r` (TZ and tzset). Call once, before
  /// any thread that reads dates starts.
  void install() const;

  const std::string& name() const { return name_; }
  bool utc() const { return name_ == "UTC"; }

  /// The civil date at `epoch_ms` in this zone, as days since 1970-01-01 (the local
  /// date's day number, not an instant). Needs `install()` unless UTC.
  std::int64_t day_of(std::int64_t epoch_ms) const;

 private:
  explicit TimeZone(std::string name) : name_(std::move(name)) {}
  std::string name_ = "UTC";
};

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
/// The date of a day number, as "YYYY-MM-DD" (years 0..9999).
std::string civil_date(std::int64_t day);

}  // namespace rollcall

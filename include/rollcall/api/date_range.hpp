#pragma once
/// The `from` and `to` dates of history, reports and CSV exports (API.md §4):
/// YYYY-MM-DD in the district's time zone, both inclusive, each optional.

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "rollcall/wire/errors.hpp"

namespace rollcall::api {

struct DateRange {
  std::int64_t from_day = std::numeric_limits<std::int64_t>::min();  ///< days since 1970-01-01
  std::int64_t to_day = std::numeric_limits<std::int64_t>::max();
  bool contains(std::int64_t day) const { return day >= from_day && day <= to_day; }
};

/// Days since 1970-01-01 for "YYYY-MM-DD"; nullopt if malformed or not a real date.
std::optional<std::int64_t> parse_day(std::string_view text);

/// The range a query string names (`from`, `to`): 422 invalid_field for a date that
/// is not YYYY-MM-DD or a real day, or a `from` after `to`.
std::optional<wire::Error> parse_date_range(std::string_view query, DateRange& out);

}  // namespace rollcall::api

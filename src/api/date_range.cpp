#include "rollcall/api/date_range.hpp"

#include <charconv>

#include "rollcall/api/request.hpp"
#include "rollcall/common/time_zone.hpp"

namespace rollcall::api {

std::optional<std::int64_t> parse_day(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto num = [&](std::size_t at, std::size_t len, auto& v) {
    const auto [end, ec] = std::from_chars(t.data() + at, t.data() + at + len, v);
    return ec == std::errc() && end == t.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  return days_from_civil(y, m, d);
}

std::optional<wire::Error> parse_date_range(std::string_view query, DateRange& out) {
  for (const std::string_view name : {std::string_view("from"), std::string_view("to")}) {
    const std::optional<std::string_view> v = query_param(query, name);
    if (!v) continue;
    const std::optional<std::int64_t> day = parse_day(*v);
    if (!day) return wire::invalid_field(name, "expected a date YYYY-MM-DD");
    (name == "from" ? out.from_day : out.to_day) = *day;
  }
  if (out.from_day > out.to_day) return wire::invalid_field("from", "is after to");
  return std::nullopt;
}

}  // namespace rollcall::api

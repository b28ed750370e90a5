#include "rollcall/api/csv_export.hpp"

#include <charconv>
#include <optional>

#include "rollcall/common/clock.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t day_of(std::int64_t epoch_ms) {
  return epoch_ms >= 0 ? epoch_ms / kDayMs : (epoch_ms - kDayMs + 1) / kDayMs;
}

// Days since the epoch for a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void field(std::string& out, std::string_view v) {
  // A spreadsheet reads a cell starting with any of these as a formula (OWASP's
  // list: TAB and CR too, which some programs skip before looking for '=').
  const bool formula =
      !v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos;
  const bool quote = formula || v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (const char ch : v) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
}

void number(std::string& out, std::uint64_t n) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void time_field(std::string& out, std::int64_t ms) {
  char buf[32];
  out.append(buf, format_rfc3339_ms(ms, buf));
}

}  // namespace

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

void write_attendance_csv(std::string& out, const Roster& roster, const ClassInfo& cls,
                          const ClassAttendance& att, std::int64_t from_day, std::int64_t to_day) {
  out.append(kCsvHeader).append("\r\n");
  for (const Session& s : att.sessions()) {
    const std::int64_t day = day_of(s.starts_at_ms);
    if (day < from_day || day > to_day) continue;
    char date[32];
    format_rfc3339_ms(s.starts_at_ms, date);
    for (const UserId student : cls.students) {
      const Record r = s.record_of(student);
      const User* u = roster.user(student);
      out.append(date, 10).push_back(',');
      number(out, s.id.value);
      out.push_back(',');
      number(out, cls.id.value);
      out.push_back(',');
      field(out, cls.name);
      out.push_back(',');
      number(out, student.value);
      out.push_back(',');
      field(out, u != nullptr ? std::string_view(u->sourced_id) : std::string_view());
      out.push_back(',');
      field(out, u != nullptr ? std::string_view(u->name) : std::string_view());
      out.push_back(',');
      out.append(to_string(r.status)).push_back(',');
      if (r.check_in_time_ms) time_field(out, *r.check_in_time_ms);
      out.push_back(',');
      number(out, r.late_minutes);
      out.push_back(',');
      if (r.method != Method::None) out.append(to_string(r.method));
      out.push_back(',');
      out.append(r.is_manual_override ? "true" : "false").push_back(',');
      if (r.override_reason) field(out, *r.override_reason);
      out.append("\r\n");
    }
  }
}

}  // namespace rollcall::api

#include "rollcall/common/clock.hpp"

#include <string_view>

namespace rollcall {

namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

tm utc_of(std::int64_t epoch_s) {
  const time_t t = static_cast<time_t>(epoch_s);
  tm out{};
  gmtime_r(&t, &out);
  return out;
}
}  // namespace

// Writes `value` as exactly `width` decimal digits (zero-padded).
static char* put_digits(char* out, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

std::size_t format_rfc3339_ms(std::int64_t epoch_ms, char* out) {
  std::int64_t secs = epoch_ms / 1000;
  std::int64_t millis = epoch_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  const tm t = utc_of(secs);
  char* p = put_digits(out, t.tm_year + 1900, 4);
  *p++ = '-';
  p = put_digits(p, t.tm_mon + 1, 2);
  *p++ = '-';
  p = put_digits(p, t.tm_mday, 2);
  *p++ = 'T';
  p = put_digits(p, t.tm_hour, 2);
  *p++ = ':';
  p = put_digits(p, t.tm_min, 2);
  *p++ = ':';
  p = put_digits(p, t.tm_sec, 2);
  *p++ = '.';
  p = put_digits(p, static_cast<int>(millis), 3);
  *p++ = 'Z';
  return static_cast<std::size_t>(p - out);
}

namespace {
// Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > kMonthDays[month - 1] ||
      (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 9) {
      if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
      ++pos;
    }
    const std::size_t n = pos - start;
    if (n == 0) return std::nullopt;
    for (std::size_t i = n; i < 3; ++i) millis *= 10;
  }
  std::int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
  return secs * 1000 + millis;
}

std::size_t format_http_date(std::int64_t epoch_s, char* out) {
  const tm t = utc_of(epoch_s);
  char* p = out;
  for (int i = 0; i < 3; ++i) *p++ = kDays[t.tm_wday][i];
  *p++ = ',';
  *p++ = ' ';
  p = put_digits(p, t.tm_mday, 2);
  *p++ = ' ';
  for (int i = 0; i < 3; ++i) *p++ = kMonths[t.tm_mon][i];
  *p++ = ' ';
  p = put_digits(p, t.tm_year + 1900, 4);
  *p++ = ' ';
  p = put_digits(p, t.tm_hour, 2);
  *p++ = ':';
  p = put_digits(p, t.tm_min, 2);
  *p++ = ':';
  p = put_digits(p, t.tm_sec, 2);
  for (const char ch : std::string_view(" GMT")) *p++ = ch;
  return static_cast<std::size_t>(p - out);
}

}  // namespace rollcall

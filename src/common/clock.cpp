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

#include "rollcall/common/time_zone.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include "rollcall/common/assert.hpp"

namespace rollcall {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::size_t kZoneNameBytesMax = 64;

bool plausible_name(std::string_view name) {
  if (name.empty() || name.size() > kZoneNameBytesMax || name.front() == '/') return false;
  if (name.find("..") != std::string_view::npos) return false;
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string zone_dir() {
  const char* dir = std::getenv("TZDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo";
}

// A tz database file starts with "TZif" (RFC 8536).
bool zone_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, sizeof magic) && std::string_view(magic, 4) == "TZif";
}

}  // namespace

Result<TimeZone> TimeZone::named(std::string_view name) {
  if (name == "UTC") return TimeZone{};
  if (!plausible_name(name)) {
    return Error{"'" + std::string(name) + "' is not a time zone name (such as America/Chicago)"};
  }
  const std::string path = zone_dir() + "/" + std::string(name);
  if (!zone_file(path)) {
    return Error{"unknown time zone '" + std::string(name) + "' (no " + path +
                 "; is the tzdata package installed?)"};
  }
  return TimeZone(std::string(name));
}

void TimeZone::install() const {
  // ":NAME" names a file of the database, never a POSIX rule string.
  const std::string tz = ":" + name_;
  const int rc = ::setenv("TZ", tz.c_str(), 1);
  RC_ASSERT(rc == 0);
  ::tzset();
}

std::int64_t TimeZone::day_of(std::int64_t epoch_ms) const {
  const std::int64_t utc_day = epoch_ms >= 0 ? epoch_ms / kDayMs : (epoch_ms - kDayMs + 1) / kDayMs;
  if (utc()) return utc_day;
  const std::time_t t =
      static_cast<std::time_t>(epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000);
  std::tm local{};
  if (::localtime_r(&t, &local) == nullptr) return utc_day;  // out of the C library's range
  return days_from_civil(std::int64_t{local.tm_year} + 1900,
                         static_cast<unsigned>(local.tm_mon + 1),
                         static_cast<unsigned>(local.tm_mday));
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string civil_date(std::int64_t day) {
  // Hinnant's civil_from_days.
  day += 719468;
  const std::int64_t era = (day >= 0 ? day : day - 146096) / 146097;
  const auto doe = static_cast<unsigned>(day - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  RC_ASSERT(y >= 0 && y <= 9999);
  char out[11];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(y), m, d);
  return out;
}

}  // namespace rollcall

// The district's time zone (`--timezone`): names checked against the tz database,
// civil dates of instants, and the day arithmetic both ways.
#include "rollcall/common/time_zone.hpp"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kNov22 = 20779;  // 2026-11-22

TEST(TimeZone, NamesAreCheckedAgainstTheDatabase) {
  EXPECT_TRUE(TimeZone::named("UTC").ok());
  EXPECT_TRUE(TimeZone::named("America/Chicago").ok());
  EXPECT_TRUE(TimeZone::named("Europe/Berlin").ok());
  for (const char* bad : {"", "Mars/Olympus", "America/../../etc/passwd", "/etc/localtime",
                          "America/Chicago ", "America", "EST5EDT,M3.2.0,M11.1.0"}) {
    const Result<TimeZone> z = TimeZone::named(bad);
    EXPECT_FALSE(z.ok()) << bad;
  }
  const Result<TimeZone> unknown = TimeZone::named("Mars/Olympus");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().find("unknown time zone 'Mars/Olympus'"), std::string::npos)
      << unknown.error();
}

TEST(TimeZone, UtcDaysNeedNoDatabase) {
  const TimeZone utc;
  EXPECT_TRUE(utc.utc());
  EXPECT_EQ(utc.day_of(0), 0);
  EXPECT_EQ(utc.day_of(-1), -1);
  EXPECT_EQ(utc.day_of(kNov22 * 24 * kHourMs), kNov22);
  EXPECT_EQ(utc.day_of((kNov22 + 1) * 24 * kHourMs - 1), kNov22);
}

TEST(TimeZone, A7pmClassInChicagoIsOnItsOwnDate) {
  Result<TimeZone> chicago = TimeZone::named("America/Chicago");
  ASSERT_TRUE(chicago.ok());
  chicago->install();
  // 2026-11-23T01:00Z is 7 pm on 2026-11-22 in Chicago (UTC-6 in November).
  const std::int64_t seven_pm = (kNov22 + 1) * 24 * kHourMs + kHourMs;
  EXPECT_EQ(TimeZone{}.day_of(seven_pm), kNov22 + 1);
  EXPECT_EQ(chicago->day_of(seven_pm), kNov22);
  // Midnight local is 06:00Z: a minute before it is still the 22nd.
  const std::int64_t local_midnight = (kNov22 + 1) * 24 * kHourMs + 6 * kHourMs;
  EXPECT_EQ(chicago->day_of(local_midnight - 60'000), kNov22);
  EXPECT_EQ(chicago->day_of(local_midnight), kNov22 + 1);
  TimeZone{}.install();  // leave the process in UTC for the other tests
}

TEST(TimeZone, CivilDatesBothWays) {
  EXPECT_EQ(civil_date(0), "1970-01-01");
  EXPECT_EQ(civil_date(kNov22), "2026-11-22");
  EXPECT_EQ(days_from_civil(2026, 11, 22), kNov22);
  EXPECT_EQ(civil_date(days_from_civil(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(civil_date(days_from_civil(2000, 3, 1) - 1), "2000-02-29");
  EXPECT_EQ(civil_date(-1), "1969-12-31");
}

}  // namespace
}  // namespace rollcall

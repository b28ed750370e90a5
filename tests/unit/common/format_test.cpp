#include <gtest/gtest.h>

#include <string>

#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_escape.hpp"

namespace rollcall {
namespace {

TEST(Clock, Rfc3339WithMillisecondsAndZ) {
  char buf[32];
  // 2026-11-22T08:01:02.345Z
  const std::size_t n = format_rfc3339_ms(1795334462345LL, buf);
  EXPECT_EQ(std::string(buf, n), "2026-11-22T08:01:02.345Z");
  EXPECT_EQ(std::string(buf, format_rfc3339_ms(0, buf)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(std::string(buf, format_rfc3339_ms(-1, buf)), "1969-12-31T23:59:59.999Z");
}

TEST(Clock, HttpDateIsImfFixdate) {
  char buf[32];
  const std::size_t n = format_http_date(1795334462, buf);
  EXPECT_EQ(std::string(buf, n), "Sun, 22 Nov 2026 08:01:02 GMT");
}

TEST(JsonEscape, QuotesBackslashesControlsAndUtf8) {
  std::string out;
  append_json_escaped(out, "O'Brien \"Bob\" \\ \t\r\n\x1f\x7f Zo\xc3\xab \xe5\x90\x8d");
  EXPECT_EQ(out, "O'Brien \\\"Bob\\\" \\\\ \\t\\r\\n\\u001f\x7f Zo\xc3\xab \xe5\x90\x8d");
  std::string nul;
  append_json_escaped(nul, std::string_view("a\0b", 3));
  EXPECT_EQ(nul, "a\\u0000b");
}

}  // namespace
TEST(Rfc3339Parse, RoundTripsWhatWeWriteAndReadsOffsets) {
  char buf[32];
  for (const std::int64_t ms :
       {0LL, 1795334462345LL, 951782400000LL /* 2000-02-29 */, 253402300799999LL}) {
    const std::string text(buf, format_rfc3339_ms(ms, buf));
    EXPECT_EQ(parse_rfc3339_ms(text), ms) << text;
  }
  EXPECT_EQ(parse_rfc3339_ms("2026-11-22T09:01:02.345+01:00"), 1795334462345LL);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-22T03:31:02.345-04:30"), 1795334462345LL);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-22t08:01:02z"), 1795334462000LL);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-22T08:01:02.3Z"), 1795334462300LL);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-22T08:01:02.345999999Z"), 1795334462345LL);  // truncated
}

TEST(Rfc3339Parse, RejectsEverythingElse) {
  for (const char* bad :
       {"", "2026-11-22", "2026-11-22T08:01:02", "2026-11-22 08:01:02Z", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-22T24:00:00Z",
        "2026-11-22T08:60:00Z", "2026-11-22T08:01:60Z", "1969-12-31T23:59:59Z",
        "2026-11-22T08:01:02.Z", "2026-11-22T08:01:02.1234567890Z", "2026-11-22T08:01:02+0100",
        "2026-11-22T08:01:02+24:00", "2026-11-22T08:01:02Zjunk", "+2026-11-22T08:01:02Z",
        "2026-1-22T08:01:02Z", "２０２６-11-22T08:01:02Z"}) {
    EXPECT_EQ(parse_rfc3339_ms(bad), std::nullopt) << bad;
  }
}

}  // namespace rollcall

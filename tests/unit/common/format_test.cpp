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
}  // namespace rollcall

// Query strings: one parameter's raw value, and a form-encoded value decoded
// (GET /admin/users?q=...), with the malformed escapes refused.
#include <gtest/gtest.h>

#include <string>

#include "rollcall/api/request.hpp"

namespace rollcall::api {
namespace {

TEST(Query, ParamsByName) {
  EXPECT_EQ(query_param("a=1&q=x%20y&b=", "q"), "x%20y");
  EXPECT_EQ(query_param("a=1&b=", "b"), "");
  EXPECT_EQ(query_param("a", "a"), "");
  EXPECT_FALSE(query_param("aa=1&b=2", "a").has_value());
  EXPECT_FALSE(query_param("", "a").has_value());
}

TEST(Query, PercentDecoding) {
  std::string out;
  ASSERT_TRUE(percent_decode("Student%20031", out));
  EXPECT_EQ(out, "Student 031");
  ASSERT_TRUE(percent_decode("a+b%2Bc%2bd", out));
  EXPECT_EQ(out, "a b+c+d");
  ASSERT_TRUE(percent_decode("%C3%A9l%C3%A8ve", out));  // UTF-8 passes through as bytes
  EXPECT_EQ(out, "\xC3\xA9l\xC3\xA8ve");
  ASSERT_TRUE(percent_decode("", out));
  EXPECT_EQ(out, "");
  for (const char* bad : {"%", "%2", "abc%", "%zz", "%g0", "x%0"}) {
    EXPECT_FALSE(percent_decode(bad, out)) << bad;
  }
}

}  // namespace
}  // namespace rollcall::api

#include "rollcall/common/json_writer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace rollcall {
namespace {

TEST(JsonWriter, NestedObjectsAndArraysGetCommasRight) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("a", 1)
      .key("b")
      .begin_array()
      .value("x")
      .begin_object()
      .end_object()
      .null()
      .end_array();
  w.field("c", true)
      .key("d")
      .begin_object()
      .field("e", std::uint64_t{18446744073709551615ull})
      .end_object();
  w.end_object();
  EXPECT_EQ(out, R"({"a":1,"b":["x",{},null],"c":true,"d":{"e":18446744073709551615}})");
}

TEST(JsonWriter, TrickyStringsRoundTripThroughAParser) {
  const std::string tricky = std::string("quote \" backslash \\ newline \n tab \t nul ") + '\0' +
                             " ctrl \x01 del \x7f Zo\xc3\xab \xe5\x90\x8d\xe5\x89\x8d";
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("name", tricky).end_object();
  simdjson::dom::parser parser;
  std::string_view back;
  ASSERT_EQ(parser.parse(out)["name"].get(back), simdjson::SUCCESS) << out;
  EXPECT_EQ(back, tricky);
}

TEST(JsonWriter, TimesAreRfc3339Milliseconds) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().time_ms(1795334462345).end_array();
  EXPECT_EQ(out, R"(["2026-11-22T08:01:02.345Z"])");
}

}  // namespace
}  // namespace rollcall

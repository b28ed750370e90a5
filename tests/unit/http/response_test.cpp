#include "rollcall/http/response.hpp"

#include <gtest/gtest.h>

namespace rollcall::http {
namespace {

constexpr std::string_view kDate = "Sun, 22 Nov 2026 08:01:02 GMT";

TEST(Response, HeadCarriesStatusDateTypeLengthAndExtras) {
  std::string out;
  ResponseHead h;
  h.status = 201;
  h.content_type = "application/json";
  h.content_length = 42;
  h.date = kDate;
  append_response_head(out, h, {{"Location", "/x/1"}});
  EXPECT_EQ(out,
            "HTTP/1.1 201 Created\r\nServer: rollcall\r\nDate: Sun, 22 Nov 2026 08:01:02 GMT\r\n"
            "Content-Type: application/json\r\nContent-Length: 42\r\nLocation: /x/1\r\n\r\n");
}

TEST(Response, CloseAndHttp10KeepAliveAreAnnounced) {
  std::string closing, http10;
  ResponseHead h;
  h.date = kDate;
  h.keep_alive = false;
  append_response_head(closing, h, {});
  EXPECT_NE(closing.find("\r\nConnection: close\r\n"), std::string::npos);
  h.keep_alive = true;
  h.announce_keep_alive = true;
  append_response_head(http10, h, {});
  EXPECT_NE(http10.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
}

TEST(Response, NoContentAndNotModifiedCarryNoContentLength) {
  for (int status : {204, 304}) {
    std::string out;
    ResponseHead h;
    h.status = status;
    h.date = kDate;
    append_response_head(out, h, {});
    EXPECT_EQ(out.find("Content-Length"), std::string::npos) << status;
  }
}

TEST(Response, ErrorBodyIsEscapedJson) {
  std::string out;
  append_error_body(out, "bad_thing", "a \"quoted\"\\ line\nwith\x01 control");
  EXPECT_EQ(
      out, R"({"error":{"code":"bad_thing","message":"a \"quoted\"\\ line\nwith\u0001 control"}})");
}

TEST(Response, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(799), "Unknown");
}

}  // namespace
}  // namespace rollcall::http

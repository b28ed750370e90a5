#include <gtest/gtest.h>

#include <string>

#include "../allocation_counter.hpp"
#include "rollcall/ws/codec.hpp"

namespace rollcall::ws {
namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 §1.3

HandshakeError check(std::string_view method = "GET", std::string_view upgrade = "websocket",
                     std::string_view connection = "Upgrade", std::string_view version = "13",
                     std::string_view key = kKey) {
  return check_handshake(method, upgrade, connection, version, key);
}

TEST(WsHandshakeTest, AcceptKeyOfTheRfcExample) {
  EXPECT_EQ(accept_key(kKey).view(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(accept_key(" dGhlIHNhbXBsZSBub25jZQ== ").view(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // OWS trimmed
  // A second known pair (Wikipedia's example).
  EXPECT_EQ(accept_key("x3JJHMbDL1EzLkh9GBhXDw==").view(), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

TEST(WsHandshakeTest, AnOverlongKeyStillGetsItsAcceptValue) {
  // Never past check_handshake (a key is 24 characters), but the function is total.
  EXPECT_EQ(accept_key(std::string(100, 'A')).view(), "WXqNWiGhe0+utGv47+HlLjR7KVw=");
}

// A connect storm answers thousands of upgrades a second: once the output has room,
// writing the 101 allocates nothing (no key + GUID string, no accept string).
TEST(WsHandshakeTest, AWarmHandshakeAnswerAllocatesNothing) {
  std::string out;
  append_handshake_response(out, kKey);
  const std::string expected = out;
  rollcall::testing::start_counting_allocations();
  for (int i = 0; i < 100; ++i) {
    out.clear();
    append_handshake_response(out, kKey);
  }
  EXPECT_EQ(rollcall::testing::stop_counting_allocations(), 0u);
  EXPECT_EQ(out, expected);
}

TEST(WsHandshakeTest, ResponseIsExactly101WithTheAcceptKey) {
  std::string out = "prefix|";
  append_handshake_response(out, kKey);
  EXPECT_EQ(out,
            "prefix|HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
}

TEST(WsHandshakeTest, AValidRequestPasses) {
  EXPECT_EQ(check(), HandshakeError::None);
  EXPECT_EQ(
      check("GET", "WebSocket", "keep-alive, Upgrade", " 13 ", " " + std::string(kKey) + "\t"),
      HandshakeError::None);
  EXPECT_EQ(check("GET", "h2c, websocket", "UPGRADE,keep-alive"), HandshakeError::None);
  EXPECT_EQ(check("GET", "  WEBSOCKET  ", "keep-alive ,\tupgrade "), HandshakeError::None);
}

TEST(WsHandshakeTest, MethodMustBeGet) {
  EXPECT_EQ(check("POST"), HandshakeError::NotGet);
  EXPECT_EQ(check("get"), HandshakeError::NotGet);
  EXPECT_EQ(check("HEAD"), HandshakeError::NotGet);
  EXPECT_EQ(check(""), HandshakeError::NotGet);
  EXPECT_EQ(check("POST", "", ""), HandshakeError::NotGet);  // checked first
}

TEST(WsHandshakeTest, UpgradeMustNameWebsocket) {
  EXPECT_EQ(check("GET", ""), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "h2c"), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "websockets"), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "web socket"), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "websocket/13"), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "xwebsocket, h2c"), HandshakeError::NotUpgrade);
}

TEST(WsHandshakeTest, ConnectionMustHoldTheUpgradeToken) {
  EXPECT_EQ(check("GET", "websocket", ""), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "websocket", "keep-alive"), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "websocket", "close"), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "websocket", "upgrades"), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "websocket", "keep-alive upgrade"), HandshakeError::NotUpgrade);
  EXPECT_EQ(check("GET", "websocket", "Upgrade", "", ""),
            HandshakeError::BadVersion);  // passes to the next check
}

TEST(WsHandshakeTest, VersionMustBe13) {
  EXPECT_EQ(check("GET", "websocket", "Upgrade", ""), HandshakeError::BadVersion);
  EXPECT_EQ(check("GET", "websocket", "Upgrade", "8"), HandshakeError::BadVersion);
  EXPECT_EQ(check("GET", "websocket", "Upgrade", "13, 8"), HandshakeError::BadVersion);
  EXPECT_EQ(check("GET", "websocket", "Upgrade", "013"), HandshakeError::BadVersion);
  EXPECT_EQ(check("GET", "websocket", "Upgrade", "1 3"), HandshakeError::BadVersion);
  EXPECT_EQ(check("GET", "websocket", "Upgrade", "\t13"), HandshakeError::None);
}

TEST(WsHandshakeTest, KeyMustBeBase64Of16Bytes) {
  const auto key = [](std::string_view k) { return check("GET", "websocket", "Upgrade", "13", k); };
  EXPECT_EQ(key(""), HandshakeError::BadKey);
  EXPECT_EQ(key("dGhlIHNhbXBsZSBub25jZQ"), HandshakeError::BadKey);   // padding missing
  EXPECT_EQ(key("dGhlIHNhbXBsZSBub25jZQ="), HandshakeError::BadKey);  // half the padding
  EXPECT_EQ(key("dGhlIHNhbXBsZSBub25j"), HandshakeError::BadKey);     // 15 bytes
  EXPECT_EQ(key("dGhlIHNhbXBsZSBub25jZQ=="), HandshakeError::None);
  EXPECT_EQ(key("dGhlIHNhbXBsZSBub25jZTEy"), HandshakeError::BadKey);  // 18 bytes
  EXPECT_EQ(key("dGhlIHNhbXBsZSBub25jZTE="), HandshakeError::BadKey);  // 17 bytes
  EXPECT_EQ(key("dGhlIHNhbXBsZSBub25jZQ==AAAA"), HandshakeError::BadKey);
  EXPECT_EQ(key("dGhlIHNhbXBsZSBub25jZ*=="), HandshakeError::BadKey);  // not base64
  EXPECT_EQ(key("dGhl IHNhbXBsZSBub25jZQ="), HandshakeError::BadKey);  // inner space
  EXPECT_EQ(key("-_-_-_-_-_-_-_-_-_-_-w=="), HandshakeError::BadKey);  // URL-safe alphabet
  EXPECT_EQ(key("+/+/+/+/+/+/+/+/+/+/+w=="), HandshakeError::None);    // original alphabet
  EXPECT_EQ(key("AAAAAAAAAAAAAAAAAAAAAA=="), HandshakeError::None);
}

}  // namespace
}  // namespace rollcall::ws

// Push endpoints (API.md §8): which URLs a subscription may name, what they are
// normalized to, and which addresses the sender may connect to.

#include "rollcall/push/endpoint.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>
#include <optional>
#include <string>

namespace rollcall::push {
namespace {

struct Case {
  const char* url;
  bool allowed_public;   ///< accepted with allow_private = false
  bool allowed_private;  ///< accepted with allow_private = true
};

// Every address form libcurl normalizes to an IPv4 address is judged as that address.
constexpr Case kCases[] = {
    {"https://fcm.googleapis.com/fcm/send/abc:APA91b", true, true},
    {"https://updates.push.services.mozilla.com/wpush/v2/gAAAAA", true, true},
    {"https://web.push.apple.com/QGuQyavXutnMH", true, true},
    {"https://push.example.com:8443/x?y=1", true, true},
    {"https://93.184.216.34/push", true, true},
    {"https://[2606:4700::6810:85e5]/push", true, true},
    {"HTTPS://Push.Example.COM/x", true, true},
    // Not https, or not a URL with a host.
    {"http://push.example.com/x", false, false},
    {"ftp://push.example.com/x", false, false},
    {"push.example.com/x", false, false},
    {"https:/push.example.com/x", false, false},
    {"https:///push.example.com/x", false, false},
    {"https://", false, false},
    {"", false, false},
    {"https://push.example.com:0/x", false, false},
    {"https://push.example.com:99999/x", false, false},
    // User info, fragment, zone, spaces, non-ASCII, a trailing dot.
    {"https://user:pw@push.example.com/x", false, false},
    {"https://user@push.example.com/x", false, false},
    {"https://push.example.com/x#frag", false, false},
    {"https://[fe80::1%25eth0]/x", false, false},
    {"https://push.example.com/a b", false, false},
    {"https://b\xc3\xbc"
     "cher.de/x",
     false, false},
    {"https://push.example.com./x", false, false},
    {"https://push%2eexample.com/x", true, true},
    // Loopback, private, link-local, unspecified, multicast, CGNAT: private only.
    {"https://127.0.0.1/x", false, true},
    {"https://127.8.9.10:9000/x", false, true},
    {"https://2130706433/", false, true},
    {"https://0x7f.1/", false, true},
    {"https://0x7f000001/", false, true},
    {"https://0177.0.0.1/", false, true},
    {"https://127.1/", false, true},
    {"https://0/", false, true},
    {"https://0.0.0.0/", false, true},
    {"https://10.1.2.3/", false, true},
    {"https://172.16.0.1/", false, true},
    {"https://172.31.255.255/", false, true},
    {"https://172.32.0.1/", true, true},
    {"https://192.168.1.1/", false, true},
    {"https://169.254.169.254/latest/meta-data", false, true},
    {"https://100.64.0.1/", false, true},
    {"https://100.127.255.255/", false, true},
    {"https://100.128.0.1/", true, true},
    {"https://224.0.0.1/", false, true},
    {"https://255.255.255.255/", false, true},
    {"https://[::1]/", false, true},
    {"https://[::]/", false, true},
    {"https://[fc00::1]/", false, true},
    {"https://[fd12:3456::1]/", false, true},
    {"https://[fe80::1]/", false, true},
    {"https://[ff02::1]/", false, true},
    {"https://[::ffff:127.0.0.1]/", false, true},
    {"https://[::FFFF:7f00:1]/", false, true},
    {"https://[::ffff:10.0.0.1]/", false, true},
    {"https://[::ffff:93.184.216.34]/", true, true},
    {"https://[64:ff9b::10.0.0.1]/", false, true},
    {"https://[2002:7f00:1::]/", false, true},
    {"https://localhost/x", false, true},
    {"https://LocalHost:8443/x", false, true},
    {"https://push.localhost/x", false, true},
    {"https://notlocalhost/x", true, true},
    {"https://localhost.example.com/x", true, true},
    // Numeric last label that is no IPv4 address curl knows: refused either way.
    {"https://1.2.3.4.5/", false, false},
    {"https://example.123/", false, false},
};

TEST(PushEndpoint, AcceptsAndRefusesAsTheTableSays) {
  for (const Case& c : kCases) {
    const Result<Endpoint> strict = parse_endpoint(c.url, false);
    EXPECT_EQ(strict.ok(), c.allowed_public)
        << c.url << " (public only): " << (strict.ok() ? strict->url : strict.error());
    const Result<Endpoint> lax = parse_endpoint(c.url, true);
    EXPECT_EQ(lax.ok(), c.allowed_private)
        << c.url << " (private allowed): " << (lax.ok() ? lax->url : lax.error());
  }
}

TEST(PushEndpoint, NormalizesNumericAddressesBeforeJudgingThem) {
  const Result<Endpoint> e = parse_endpoint("https://0x7f.1/push", true);
  ASSERT_TRUE(e.ok()) << e.error();
  EXPECT_EQ(e->url, "https://127.0.0.1/push");
  EXPECT_EQ(e->host, "127.0.0.1");
  const Result<Endpoint> refused = parse_endpoint("https://2130706433/push", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("127.0.0.1"), std::string::npos) << refused.error();
}

TEST(PushEndpoint, ErrorsSayWhy) {
  const auto error_of = [](const char* url) {
    const Result<Endpoint> e = parse_endpoint(url, false);
    return e.ok() ? std::string("accepted") : e.error();
  };
  EXPECT_NE(error_of("http://a.example/").find("https"), std::string::npos);
  EXPECT_NE(error_of("https://u@a.example/").find("user"), std::string::npos);
  EXPECT_NE(error_of("https://a.example/#x").find("fragment"), std::string::npos);
  EXPECT_NE(error_of("https://10.0.0.1/").find("private"), std::string::npos);
  EXPECT_NE(error_of("https://localhost/").find("localhost"), std::string::npos);
  EXPECT_NE(
      error_of(std::string("https://a.example/" + std::string(1100, 'x')).c_str()).find("1024"),
      std::string::npos);
}

TEST(PushEndpoint, HoldsTheOriginWithAPortOnlyWhenNotTheDefault) {
  const Result<Endpoint> plain = parse_endpoint("https://Push.Example.com/wpush/v2/x?y", false);
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_EQ(plain->url, "https://push.example.com/wpush/v2/x?y");
  EXPECT_EQ(plain->origin, "https://push.example.com");
  EXPECT_EQ(plain->host, "push.example.com");

  const Result<Endpoint> port = parse_endpoint("https://push.example.com:8443/x", false);
  ASSERT_TRUE(port.ok()) << port.error();
  EXPECT_EQ(port->origin, "https://push.example.com:8443");
  EXPECT_EQ(port->url, "https://push.example.com:8443/x");

  const Result<Endpoint> default_port = parse_endpoint("https://push.example.com:443/x", false);
  ASSERT_TRUE(default_port.ok()) << default_port.error();
  EXPECT_EQ(default_port->origin, "https://push.example.com");

  const Result<Endpoint> v6 = parse_endpoint("https://[2606:4700::6810:85E5]:444/x", false);
  ASSERT_TRUE(v6.ok()) << v6.error();
  EXPECT_EQ(v6->origin, "https://[2606:4700::6810:85e5]:444");
  EXPECT_EQ(v6->host, "[2606:4700::6810:85e5]");
}

TEST(PushEndpoint, BoundsTheLengthAt1024Bytes) {
  const std::string head = "https://push.example.com/";
  const std::string at_limit = head + std::string(kEndpointBytesMax - head.size(), 'a');
  const std::string over = at_limit + "a";
  EXPECT_TRUE(parse_endpoint(at_limit, false).ok());
  EXPECT_FALSE(parse_endpoint(over, false).ok());
  // Normalization must not carry a URL past the bound either ("/a/../" shrinks, but
  // "%2e" in the host grows nothing; the normalized form is checked as well).
  const std::string dotted = head + "b/../" + std::string(kEndpointBytesMax - head.size() - 5, 'a');
  const Result<Endpoint> shrunk = parse_endpoint(dotted, false);
  ASSERT_TRUE(shrunk.ok()) << shrunk.error();
  EXPECT_LE(shrunk->url.size(), kEndpointBytesMax);
}

std::optional<net::IpAddress> ip(const char* text) {
  return net::parse_ip(text);
}

TEST(PushEndpoint, PublicAddressJudgesEachRange) {
  const char* refused[] = {"0.0.0.0",
                           "0.1.2.3",
                           "10.0.0.1",
                           "100.64.0.1",
                           "127.0.0.1",
                           "169.254.1.1",
                           "172.16.0.1",
                           "192.168.0.1",
                           "198.18.0.1",
                           "224.0.0.251",
                           "240.0.0.1",
                           "255.255.255.255",
                           "::",
                           "::1",
                           "::127.0.0.1",
                           "fc00::1",
                           "fdff::1",
                           "fe80::1",
                           "febf::1",
                           "fec0::1",
                           "ff02::1",
                           "100::1",
                           "64:ff9b::a00:1",
                           "64:ff9b:1::1",
                           "2002:a00:1::1",
                           "::ffff:127.0.0.1"};
  for (const char* text : refused) {
    ASSERT_TRUE(ip(text)) << text;
    EXPECT_FALSE(public_address(*ip(text))) << text;
  }
  const char* allowed[] = {"1.1.1.1",         "8.8.8.8",      "100.63.255.255",   "100.128.0.0",
                           "172.15.255.255",  "172.32.0.0",   "192.167.1.1",      "223.255.255.255",
                           "2001:4860::8888", "2606:4700::1", "64:ff9b::808:808", "2002:808:808::1",
                           "::ffff:8.8.8.8"};
  for (const char* text : allowed) {
    ASSERT_TRUE(ip(text)) << text;
    EXPECT_TRUE(public_address(*ip(text))) << text;
  }
}

TEST(PushEndpoint, PublicAddressReadsSocketAddresses) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr), 1);
  EXPECT_FALSE(public_address(reinterpret_cast<const sockaddr*>(&v4), sizeof v4));
  ASSERT_EQ(inet_pton(AF_INET, "8.8.4.4", &v4.sin_addr), 1);
  EXPECT_TRUE(public_address(reinterpret_cast<const sockaddr*>(&v4), sizeof v4));

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:192.168.0.3", &v6.sin6_addr), 1);
  EXPECT_FALSE(public_address(reinterpret_cast<const sockaddr*>(&v6), sizeof v6));
  ASSERT_EQ(inet_pton(AF_INET6, "2001:4860:4860::8844", &v6.sin6_addr), 1);
  EXPECT_TRUE(public_address(reinterpret_cast<const sockaddr*>(&v6), sizeof v6));

  sockaddr unix_address{};
  unix_address.sa_family = AF_UNIX;
  EXPECT_FALSE(public_address(&unix_address, sizeof unix_address));
  EXPECT_FALSE(public_address(reinterpret_cast<const sockaddr*>(&v6), sizeof(sockaddr_in6) - 1));
}

}  // namespace
}  // namespace rollcall::push

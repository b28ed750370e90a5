#include "rollcall/api/client_address.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace rollcall::api {
namespace {

net::IpAddress ip(std::string_view text) {
  std::optional<net::IpAddress> out = net::parse_ip(text);
  EXPECT_TRUE(out.has_value()) << text;
  return out.value_or(net::IpAddress{});
}

TEST(ClientAddress, ParsesAndPrintsBothFamiliesWithOrWithoutPorts) {
  EXPECT_EQ(net::format_ip(ip("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(net::format_ip(ip(" 192.0.2.1:8443 ")), "192.0.2.1");
  EXPECT_EQ(net::format_ip(ip("2001:DB8:0:0::1")), "2001:db8::1");
  EXPECT_EQ(net::format_ip(ip("[2001:db8::1]")), "2001:db8::1");
  EXPECT_EQ(net::format_ip(ip("[2001:db8::1]:443")), "2001:db8::1");
  EXPECT_EQ(net::format_ip(ip("::ffff:192.0.2.1")), "192.0.2.1");
  for (const char* bad : {"", "unknown", "192.0.2", "192.0.2.1:99999", "[192.0.2.1]", "[::1",
                          "[::1]x", "1.2.3.4.5", "::1::2", "_hidden"}) {
    EXPECT_FALSE(net::parse_ip(bad).has_value()) << bad;
  }
}

TEST(ClientAddress, TrustedNetworksMatchByPrefix) {
  net::AddressSet t;
  ASSERT_TRUE(t.add("10.0.0.0/8, 192.0.2.7,2001:db8::/32"));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_TRUE(t.trusts(ip("10.200.3.4")));
  EXPECT_FALSE(t.trusts(ip("11.0.0.1")));
  EXPECT_TRUE(t.trusts(ip("192.0.2.7")));
  EXPECT_FALSE(t.trusts(ip("192.0.2.8")));
  EXPECT_TRUE(t.trusts(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(t.trusts(ip("2001:db9::1")));
  net::AddressSet all;
  ASSERT_TRUE(all.add("0.0.0.0/0"));
  EXPECT_TRUE(all.trusts(ip("203.0.113.9")));
  EXPECT_FALSE(all.trusts(ip("::1")));  // an IPv4 network holds no IPv6 address
}

TEST(ClientAddress, BadListsAreRefusedWholeNamingTheEntry) {
  net::AddressSet t;
  for (const char* bad :
       {"", "10.0.0.1,", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "proxy.example"}) {
    const Status s = t.add(bad);
    EXPECT_FALSE(s) << bad;
  }
  const Status s = t.add("10.0.0.1, nonsense");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("nonsense"), std::string::npos) << s.error();
  EXPECT_TRUE(t.empty());
}

// A request head with these X-Forwarded-For fields.
struct Head {
  explicit Head(std::vector<std::string> values) : storage(std::move(values)) {
    for (const std::string& v : storage) {
      head.headers[head.header_count++] = http::Header{"X-Forwarded-For", v};
    }
  }
  std::vector<std::string> storage;
  http::RequestHead head;
};

std::string client(std::string_view peer, const std::vector<std::string>& xff,
                   const net::AddressSet& t) {
  Head h(xff);
  return net::format_ip(client_address(ip(peer), h.head, t));
}

TEST(ClientAddress, ForwardedForCountsOnlyFromATrustedPeer) {
  net::AddressSet t;
  ASSERT_TRUE(t.add("127.0.0.1,10.9.0.0/16"));
  // Anyone may send the header: from an untrusted peer it is ignored.
  EXPECT_EQ(client("127.0.0.3", {"10.1.0.1"}, t), "127.0.0.3");
  // From a trusted one: the right-most address that is not itself a trusted proxy
  // (what the client wrote on the left cannot be believed).
  EXPECT_EQ(client("127.0.0.1", {"203.0.113.7, 10.1.0.1, 10.9.3.4"}, t), "10.1.0.1");
  EXPECT_EQ(client("127.0.0.1", {"203.0.113.7", "10.1.0.2:5555"}, t), "10.1.0.2");
  EXPECT_EQ(client("127.0.0.1", {"[2001:db8::5]:80"}, t), "2001:db8::5");
  // Every hop trusted: the left-most.
  EXPECT_EQ(client("127.0.0.1", {"10.9.0.1, 10.9.0.2"}, t), "10.9.0.1");
  // No header: the proxy itself.
  EXPECT_EQ(client("127.0.0.1", {}, t), "127.0.0.1");
  // A garbled entry: the trusted hop that passed it on.
  EXPECT_EQ(client("127.0.0.1", {"203.0.113.7, garbage, 10.9.3.4"}, t), "10.9.3.4");
  EXPECT_EQ(client("127.0.0.1", {"garbage"}, t), "127.0.0.1");
  EXPECT_EQ(client("127.0.0.1", {""}, t), "127.0.0.1");
}

}  // namespace
}  // namespace rollcall::api

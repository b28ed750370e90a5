// The PROXY protocol header parser (v1 text, v2 binary): what it accepts, what it
// refuses and why, and that its answer for a prefix never contradicts its answer
// for the whole (so bytes may arrive in any pieces).

#include "rollcall/net/proxy_header.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace rollcall::net {
namespace {

using namespace std::string_literals;
using Status = ProxyHeader::Status;
using E = ProxyHeaderError;

const std::string kSig = "\r\n\r\n\0\r\nQUIT\n"s;

// A v2 header: signature, version/command, family/protocol, length, `block`.
std::string v2(std::uint8_t ver_cmd, std::uint8_t fam, const std::string& block,
               std::size_t length_field = SIZE_MAX) {
  const std::size_t length = length_field == SIZE_MAX ? block.size() : length_field;
  std::string out = kSig;
  out.push_back(static_cast<char>(ver_cmd));
  out.push_back(static_cast<char>(fam));
  out.push_back(static_cast<char>(length >> 8));
  out.push_back(static_cast<char>(length & 0xFF));
  return out + block;
}

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (const int b : list) out.push_back(static_cast<char>(b));
  return out;
}

// TCP over IPv4 from 10.0.0.1:51000 to 192.0.2.10:443.
std::string v4_block() {
  return bytes({10, 0, 0, 1, 192, 0, 2, 10, 0xC7, 0x38, 0x01, 0xBB});
}

// TCP over IPv6 from 2001:db8::7 to 2001:db8::1, ports 1 and 2.
std::string v6_block() {
  std::string b = bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7});
  b += bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  return b + bytes({0, 1, 0, 2});
}

std::string source_of(const ProxyHeader& h) {
  EXPECT_EQ(h.status, Status::Parsed);
  return h.source ? format_ip(*h.source) : "none";
}

E error_of(std::string_view input) {
  const ProxyHeader h = parse_proxy_header(input);
  EXPECT_EQ(h.status, Status::Error) << testing::PrintToString(std::string(input));
  return h.error;
}

// Every proper prefix of `whole` must be NeedMore.
void expect_prefixes_need_more(const std::string& whole) {
  for (std::size_t n = 0; n < whole.size(); ++n) {
    EXPECT_EQ(parse_proxy_header(std::string_view(whole).substr(0, n)).status, Status::NeedMore)
        << n << " bytes of " << testing::PrintToString(whole);
  }
}

TEST(ProxyHeaderV1, Tcp4NamesTheClientAndLeavesWhatFollows) {
  const std::string line = "PROXY TCP4 192.0.2.1 198.51.100.7 51000 443\r\n";
  const ProxyHeader h = parse_proxy_header(line + "GET / HTTP/1.1\r\n");
  EXPECT_EQ(source_of(h), "192.0.2.1");
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.consumed, line.size());
  expect_prefixes_need_more(line);
}

TEST(ProxyHeaderV1, Tcp6NamesTheClient) {
  const std::string line = "PROXY TCP6 2001:DB8::7 2001:db8::1 1 65535\r\n";
  const ProxyHeader h = parse_proxy_header(line);
  EXPECT_EQ(source_of(h), "2001:db8::7");
  EXPECT_EQ(h.consumed, line.size());
  // The longest TCP6 line (104 bytes) is accepted.
  const std::string f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string longest = "PROXY TCP6 " + f + " " + f + " 65535 65535\r\n";
  ASSERT_EQ(longest.size(), 104u);
  EXPECT_EQ(source_of(parse_proxy_header(longest)), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(ProxyHeaderV1, UnknownKeepsThePeerAndIgnoresTheRestOfItsLine) {
  EXPECT_EQ(source_of(parse_proxy_header("PROXY UNKNOWN\r\n")), "none");
  EXPECT_EQ(parse_proxy_header("PROXY UNKNOWN\r\nGET").consumed, 15u);
  const std::string f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string worst = "PROXY UNKNOWN " + f + " " + f + " 65535 65535\r\n";
  ASSERT_EQ(worst.size(), kProxyV1BytesMax);
  const ProxyHeader h = parse_proxy_header(worst);
  EXPECT_EQ(source_of(h), "none");
  EXPECT_EQ(h.consumed, kProxyV1BytesMax);
  EXPECT_EQ(error_of("PROXY UNKNOWNX\r\n"), E::Malformed);
}

TEST(ProxyHeaderV1, NoCrlfWithin107BytesIsTooLong) {
  const std::string head = "PROXY UNKNOWN ";
  EXPECT_EQ(parse_proxy_header(head + std::string(kProxyV1BytesMax - 1 - head.size(), 'a')).status,
            Status::NeedMore);
  EXPECT_EQ(error_of(head + std::string(kProxyV1BytesMax - head.size(), 'a')), E::TooLong);
  EXPECT_EQ(error_of(head + std::string(kProxyV1BytesMax - head.size(), 'a') + "\r\n"), E::TooLong);
}

TEST(ProxyHeaderV1, AddressesMustBeOfTheLinesFamilyAndCanonical) {
  EXPECT_EQ(error_of("PROXY TCP4 2001:db8::1 192.0.2.1 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP4 192.0.2.1 2001:db8::1 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP6 192.0.2.1 2001:db8::1 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP4 010.0.0.1 192.0.2.1 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP4 256.0.0.1 192.0.2.1 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP4 10.0.1 192.0.2.1 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP4 10.0.0.1:80 192.0.2.1 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP6 [2001:db8::1] 2001:db8::2 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP6 2001:db8:::1 2001:db8::2 1 2\r\n"), E::BadAddress);
  EXPECT_EQ(error_of("PROXY TCP4 localhost 192.0.2.1 1 2\r\n"), E::BadAddress);
  // An IPv4-mapped IPv6 address is IPv6 text, and is the IPv4 client.
  EXPECT_EQ(source_of(parse_proxy_header("PROXY TCP6 ::ffff:192.0.2.9 ::1 1 2\r\n")), "192.0.2.9");
}

TEST(ProxyHeaderV1, PortsAreDecimal0To65535WithoutHeadingZeroes) {
  EXPECT_EQ(source_of(parse_proxy_header("PROXY TCP4 10.0.0.1 10.0.0.2 0 65535\r\n")), "10.0.0.1");
  for (const char* port : {"65536", "99999", "080", "00", "-1", "+1", "1a", "123456", "0x50"}) {
    EXPECT_EQ(error_of("PROXY TCP4 10.0.0.1 10.0.0.2 "s + port + " 443\r\n"), E::BadPort) << port;
    EXPECT_EQ(error_of("PROXY TCP4 10.0.0.1 10.0.0.2 443 "s + port + "\r\n"), E::BadPort) << port;
  }
}

TEST(ProxyHeaderV1, SyntaxIsExact) {
  for (const char* bad : {
           "PROXY TCP4  10.0.0.1 10.0.0.2 1 2\r\n",   // two spaces
           "PROXY TCP4 10.0.0.1 10.0.0.2 1 2 \r\n",   // trailing space
           "PROXY TCP4 10.0.0.1 10.0.0.2 1\r\n",      // a field missing
           "PROXY TCP4 10.0.0.1 10.0.0.2 1 2 3\r\n",  // one too many
           "PROXY TCP4\r\n",                          // no fields
           "PROXY TCP5 10.0.0.1 10.0.0.2 1 2\r\n",    // no such protocol
           "PROXY tcp4 10.0.0.1 10.0.0.2 1 2\r\n",    // names are upper case
           "PROXY \r\n",                              // nothing at all
           "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n",      // a lone LF ends nothing
           "PROXY TCP4 10.0.0.1\r10.0.0.2 1 2\r\n",   // a lone CR inside
           "PROXY TCP4\t10.0.0.1 10.0.0.2 1 2\r\n",   // a tab is not a space
       }) {
    EXPECT_EQ(error_of(bad), E::Malformed) << testing::PrintToString(std::string(bad));
  }
}

TEST(ProxyHeaderV1, GarbageAfterTheSignatureIsRefusedAsSoonAsItIsSeen) {
  // Without waiting for a CRLF or 107 bytes: a NUL, a control byte, a high byte.
  EXPECT_EQ(error_of("PROXY \0"s), E::Malformed);
  EXPECT_EQ(error_of("PROXY TCP4 \x01"), E::Malformed);
  EXPECT_EQ(error_of("PROXY TCP4 10.0.0.1 \xC3\xA9"), E::Malformed);
}

TEST(ProxyHeader, OtherProtocolsAreNotProxyAsSoonAsTheyDiffer) {
  EXPECT_EQ(parse_proxy_header("").status, Status::NeedMore);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), E::NotProxy);
  EXPECT_EQ(error_of("G"), E::NotProxy);
  EXPECT_EQ(error_of("PROXX"), E::NotProxy);
  EXPECT_EQ(error_of("proxy TCP4 10.0.0.1 10.0.0.2 1 2\r\n"), E::NotProxy);
  EXPECT_EQ(error_of("PROXYTCP4"), E::NotProxy);
  EXPECT_EQ(error_of("\r\n\r\n\0\r\nQUIT\r"s), E::NotProxy);  // v2's signature, last byte wrong
  EXPECT_EQ(error_of("\r\nGET"), E::NotProxy);
  EXPECT_EQ(error_of("\x16\x03\x01"), E::NotProxy);  // a TLS ClientHello
}

TEST(ProxyHeaderV2, ProxyOverTcp4NamesTheClientAndLeavesWhatFollows) {
  const std::string header = v2(0x21, 0x11, v4_block());
  const ProxyHeader h = parse_proxy_header(header + "GET /");
  EXPECT_EQ(source_of(h), "10.0.0.1");
  EXPECT_EQ(h.version, 2);
  EXPECT_EQ(h.consumed, 28u);
  expect_prefixes_need_more(header);
}

TEST(ProxyHeaderV2, ProxyOverTcp6NamesTheClient) {
  const std::string header = v2(0x21, 0x21, v6_block());
  const ProxyHeader h = parse_proxy_header(header);
  EXPECT_EQ(source_of(h), "2001:db8::7");
  EXPECT_EQ(h.consumed, 52u);
  expect_prefixes_need_more(header);
}

TEST(ProxyHeaderV2, TlvsAreSkipped) {
  // ALPN "h2" and a NOOP, as haproxy may append them.
  const std::string tlvs = bytes({0x01, 0, 2, 'h', '2', 0x04, 0, 3, 0, 0, 0});
  const std::string header = v2(0x21, 0x11, v4_block() + tlvs);
  const ProxyHeader h = parse_proxy_header(header + "GET /");
  EXPECT_EQ(source_of(h), "10.0.0.1");
  EXPECT_EQ(h.consumed, header.size());
  expect_prefixes_need_more(header);
}

TEST(ProxyHeaderV2, LocalKeepsThePeerWhateverItsFamily) {
  EXPECT_EQ(source_of(parse_proxy_header(v2(0x20, 0x00, ""))), "none");
  // The length is always honoured, never assumed 0 for LOCAL.
  const ProxyHeader h = parse_proxy_header(v2(0x20, 0x11, v4_block()) + "GET");
  EXPECT_EQ(source_of(h), "none");
  EXPECT_EQ(h.consumed, 28u);
  EXPECT_EQ(source_of(parse_proxy_header(v2(0x20, 0xFF, "xyz"))), "none");
}

TEST(ProxyHeaderV2, CombinationsWithoutATcpClientKeepThePeer) {
  EXPECT_EQ(source_of(parse_proxy_header(v2(0x21, 0x00, ""))), "none");          // UNSPEC
  EXPECT_EQ(source_of(parse_proxy_header(v2(0x21, 0x00, "abc"))), "none");       // ignored
  EXPECT_EQ(source_of(parse_proxy_header(v2(0x21, 0x12, v4_block()))), "none");  // UDP
  EXPECT_EQ(source_of(parse_proxy_header(v2(0x21, 0x22, v6_block()))), "none");  // UDP6
  EXPECT_EQ(source_of(parse_proxy_header(v2(0x21, 0x31, std::string(216, 'p')))), "none");
  EXPECT_EQ(source_of(parse_proxy_header(v2(0x21, 0x10, ""))), "none");  // INET, UNSPEC
}

TEST(ProxyHeaderV2, ForbiddenVersionsCommandsFamiliesAndProtocolsAreRefused) {
  EXPECT_EQ(error_of(v2(0x11, 0x11, v4_block())), E::Unsupported);  // version 1 in binary
  EXPECT_EQ(error_of(v2(0x31, 0x11, v4_block())), E::Unsupported);  // version 3
  EXPECT_EQ(error_of(v2(0x22, 0x11, v4_block())), E::Unsupported);  // command 2
  EXPECT_EQ(error_of(v2(0x2F, 0x11, v4_block())), E::Unsupported);
  EXPECT_EQ(error_of(v2(0x21, 0x41, v4_block())), E::Unsupported);  // family 4
  EXPECT_EQ(error_of(v2(0x21, 0x13, v4_block())), E::Unsupported);  // protocol 3
  // Decided from the 16 fixed bytes, without waiting for the block.
  EXPECT_EQ(error_of(v2(0x21, 0x41, "", 12)), E::Unsupported);
}

TEST(ProxyHeaderV2, TheLengthMustHoldTheAddressesAndStayUnderTheCap) {
  EXPECT_EQ(error_of(v2(0x21, 0x11, v4_block().substr(0, 11))), E::Malformed);
  EXPECT_EQ(error_of(v2(0x21, 0x21, v6_block().substr(0, 35))), E::Malformed);
  EXPECT_EQ(error_of(v2(0x21, 0x31, std::string(215, 'p'))), E::Malformed);
  // 65535 announced: refused at once from the fixed bytes, nothing buffered for it.
  EXPECT_EQ(error_of(v2(0x21, 0x11, "", 65535)), E::TooLong);
  EXPECT_EQ(error_of(v2(0x20, 0x00, "", kProxyV2LengthMax + 1)), E::TooLong);
  // Exactly the cap: whole once kProxyHeaderBytesMax bytes are in.
  const std::string most = v2(0x21, 0x11, v4_block() + std::string(kProxyV2LengthMax - 12, 0));
  ASSERT_EQ(most.size(), kProxyHeaderBytesMax);
  EXPECT_EQ(source_of(parse_proxy_header(most)), "10.0.0.1");
  EXPECT_EQ(parse_proxy_header(std::string_view(most).substr(0, most.size() - 1)).status,
            Status::NeedMore);
}

TEST(ProxyHeader, ReasonsAreMetricLabels) {
  EXPECT_EQ(reason_of(E::NotProxy), "not_proxy");
  EXPECT_EQ(reason_of(E::TooLong), "too_long");
  EXPECT_EQ(reason_of(E::Malformed), "malformed");
  EXPECT_EQ(reason_of(E::BadAddress), "bad_address");
  EXPECT_EQ(reason_of(E::BadPort), "bad_port");
  EXPECT_EQ(reason_of(E::Unsupported), "unsupported");
}

// The answer for a prefix is NeedMore or the answer for the whole; NeedMore never
// once kProxyHeaderBytesMax bytes are in. (tests/fuzz/proxy_header_fuzz.cpp checks
// the same over arbitrary bytes.)
void expect_prefix_consistent(const std::string& input) {
  const ProxyHeader whole = parse_proxy_header(input);
  for (std::size_t n = 0; n <= input.size(); ++n) {
    const ProxyHeader part = parse_proxy_header(std::string_view(input).substr(0, n));
    if (part.status == Status::NeedMore) {
      ASSERT_LT(n, kProxyHeaderBytesMax);
      continue;
    }
    ASSERT_EQ(part.status, whole.status) << n << " of " << testing::PrintToString(input);
    ASSERT_EQ(part.error, whole.error);
    ASSERT_EQ(part.consumed, whole.consumed);
    ASSERT_EQ(part.source, whole.source);
    ASSERT_LE(part.consumed, n);
  }
}

TEST(ProxyHeader, APrefixNeverContradictsTheWhole) {
  std::vector<std::string> inputs = {
      "PROXY TCP4 192.0.2.1 198.51.100.7 51000 443\r\nGET / HTTP/1.1\r\n\r\n",
      "PROXY TCP6 2001:db8::7 2001:db8::1 1 2\r\n",
      "PROXY UNKNOWN\r\n",
      "PROXY TCP4 010.0.0.1 192.0.2.1 1 2\r\n",
      "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n",
      "PROXY UNKNOWN " + std::string(200, 'a'),
      v2(0x21, 0x11, v4_block()) + "GET",
      v2(0x21, 0x21, v6_block()),
      v2(0x21, 0x11, "", 65535) + std::string(600, 'x'),
      v2(0x21, 0x11, v4_block().substr(0, 11)),
      "GET / HTTP/1.1\r\n\r\n",
  };
  // And deterministic noise built from the signatures' bytes and a few others.
  std::uint32_t state = 0x9E3779B9u;
  const std::string alphabet = "PROXY TCP46UNKOW0123456789.:\r\n\x00\x21\x11\x20QUIT\xff"s;
  for (int i = 0; i < 400; ++i) {
    std::string s = (i % 2 == 0) ? "PROXY " : kSig;
    const std::size_t length = 1 + state % 120;
    for (std::size_t k = 0; k < length; ++k) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      s.push_back(alphabet[state % alphabet.size()]);
    }
    inputs.push_back(s);
  }
  for (const std::string& input : inputs) expect_prefix_consistent(input);
}

}  // namespace
}  // namespace rollcall::net

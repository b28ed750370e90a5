#include "rollcall/net/proxy_header.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "rollcall/common/assert.hpp"

namespace rollcall::net {

namespace {

constexpr std::string_view kV1Signature = "PROXY ";
constexpr char kV2SignatureBytes[] = {'\r', '\n', '\r', '\n', '\0', '\r',
                                      '\n', 'Q',  'U',  'I',  'T',  '\n'};
constexpr std::string_view kV2Signature(kV2SignatureBytes, sizeof kV2SignatureBytes);

constexpr std::uint8_t kCommandLocal = 0x0;
constexpr std::uint8_t kCommandProxy = 0x1;
constexpr std::uint8_t kFamilyUnspec = 0x0;
constexpr std::uint8_t kFamilyInet = 0x1;
constexpr std::uint8_t kFamilyInet6 = 0x2;
constexpr std::uint8_t kFamilyUnix = 0x3;
constexpr std::uint8_t kProtocolUnspec = 0x0;
constexpr std::uint8_t kProtocolStream = 0x1;
constexpr std::uint8_t kProtocolDgram = 0x2;

ProxyHeader need_more() {
  return ProxyHeader{};
}

ProxyHeader failed(ProxyHeaderError error) {
  ProxyHeader h;
  h.status = ProxyHeader::Status::Error;
  h.error = error;
  return h;
}

ProxyHeader parsed(std::uint8_t version, std::size_t consumed, std::optional<IpAddress> source) {
  RC_ASSERT(consumed <= kProxyHeaderBytesMax);
  ProxyHeader h;
  h.status = ProxyHeader::Status::Parsed;
  h.version = version;
  h.consumed = consumed;
  h.source = source;
  return h;
}

// Whether `bytes` and `signature` agree as far as both go.
bool agrees(std::string_view bytes, std::string_view signature) {
  const std::size_t n = std::min(bytes.size(), signature.size());
  return bytes.substr(0, n) == signature.substr(0, n);
}

// ---------------------------------------------------------------------------
// Version 1: one line of text

// Canonical text of `family` (inet_pton refuses heading zeroes in IPv4).
std::optional<IpAddress> v1_address(std::string_view text, int family) {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  char raw[16];
  if (inet_pton(family, buf, raw) != 1) return std::nullopt;
  return ip_from_bytes(std::string_view(raw, family == AF_INET ? 4 : 16));
}

bool v1_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text.front() == '0')) return false;
  unsigned port = 0;
  for (const char ch : text) {
    if (ch < '0' || ch > '9') return false;
    port = port * 10 + static_cast<unsigned>(ch - '0');
  }
  return port <= 65535;
}

// `line` is the whole line without its LF; `consumed` counts the LF too.
ProxyHeader parse_v1_line(std::string_view line, std::size_t consumed) {
  if (line.empty() || line.back() != '\r') return failed(ProxyHeaderError::Malformed);
  line.remove_suffix(1);
  if (line.find('\r') != std::string_view::npos) return failed(ProxyHeaderError::Malformed);
  RC_ASSERT(line.substr(0, kV1Signature.size()) == kV1Signature);
  std::string_view rest = line.substr(kV1Signature.size());
  const std::size_t space = rest.find(' ');
  const std::string_view protocol = rest.substr(0, space);
  // UNKNOWN: whatever follows it before the CRLF is ignored (the specification).
  if (protocol == "UNKNOWN") return parsed(1, consumed, std::nullopt);
  const int family = protocol == "TCP4" ? AF_INET : protocol == "TCP6" ? AF_INET6 : AF_UNSPEC;
  if (family == AF_UNSPEC || space == std::string_view::npos) {
    return failed(ProxyHeaderError::Malformed);
  }
  // Exactly four fields, one space apart: source, destination, their ports.
  std::string_view fields[4];
  std::size_t count = 0;
  rest.remove_prefix(space + 1);
  while (true) {
    const std::size_t next = rest.find(' ');
    if (count == 4) return failed(ProxyHeaderError::Malformed);
    fields[count++] = rest.substr(0, next);
    if (next == std::string_view::npos) break;
    rest.remove_prefix(next + 1);
  }
  if (count != 4 || std::any_of(fields, fields + 4, [](std::string_view f) { return f.empty(); })) {
    return failed(ProxyHeaderError::Malformed);
  }
  const std::optional<IpAddress> source = v1_address(fields[0], family);
  if (!source || !v1_address(fields[1], family)) return failed(ProxyHeaderError::BadAddress);
  if (!v1_port(fields[2]) || !v1_port(fields[3])) return failed(ProxyHeaderError::BadPort);
  return parsed(1, consumed, source);
}

ProxyHeader parse_v1(std::string_view bytes) {
  // The line ends at the first LF, which must come within 107 bytes. Anything but
  // printable US-ASCII (and the CR of the CRLF) is refused as soon as it is seen.
  const std::size_t window = std::min(bytes.size(), kProxyV1BytesMax);
  for (std::size_t i = 0; i < window; ++i) {
    const char ch = bytes[i];
    if (ch == '\n') return parse_v1_line(bytes.substr(0, i), i + 1);
    if ((ch < 0x20 || ch > 0x7E) && ch != '\r') return failed(ProxyHeaderError::Malformed);
  }
  if (bytes.size() >= kProxyV1BytesMax) return failed(ProxyHeaderError::TooLong);
  return need_more();
}

// ---------------------------------------------------------------------------
// Version 2: binary

std::uint8_t byte_at(std::string_view bytes, std::size_t i) {
  return static_cast<std::uint8_t>(bytes[i]);
}

// The address block `family` and `protocol` need; 0 when either is UNSPEC.
std::size_t block_bytes(std::uint8_t family, std::uint8_t protocol) {
  if (family == kFamilyUnspec || protocol == kProtocolUnspec) return 0;
  switch (family) {
    case kFamilyInet: return 2 * 4 + 2 * 2;
    case kFamilyInet6: return 2 * 16 + 2 * 2;
    default: return 2 * 108;  // AF_UNIX paths
  }
}

ProxyHeader parse_v2(std::string_view bytes) {
  if (bytes.size() < kProxyV2FixedBytes) return need_more();
  const std::uint8_t version = byte_at(bytes, 12) >> 4;
  const std::uint8_t command = byte_at(bytes, 12) & 0x0F;
  const std::uint8_t family = byte_at(bytes, 13) >> 4;
  const std::uint8_t protocol = byte_at(bytes, 13) & 0x0F;
  const std::size_t length = static_cast<std::size_t>(byte_at(bytes, 14)) << 8 | byte_at(bytes, 15);
  if (version != 2 || (command != kCommandLocal && command != kCommandProxy)) {
    return failed(ProxyHeaderError::Unsupported);
  }
  if (length > kProxyV2LengthMax) return failed(ProxyHeaderError::TooLong);
  // LOCAL (a health check by the proxy itself): the family is ignored.
  if (command == kCommandProxy) {
    if (family > kFamilyUnix || protocol > kProtocolDgram) {
      return failed(ProxyHeaderError::Unsupported);
    }
    if (length < block_bytes(family, protocol)) return failed(ProxyHeaderError::Malformed);
  }
  if (bytes.size() < kProxyV2FixedBytes + length) return need_more();
  // TCP over IPv4 or IPv6 names the client; every other valid combination (UNSPEC,
  // UDP, AF_UNIX) falls back to the connection's own addresses, as the
  // specification lets a receiver that does not implement them do. TLVs are skipped.
  std::optional<IpAddress> source;
  if (command == kCommandProxy && protocol == kProtocolStream) {
    const std::string_view block = bytes.substr(kProxyV2FixedBytes);
    if (family == kFamilyInet) source = ip_from_bytes(block.substr(0, 4));
    if (family == kFamilyInet6) source = ip_from_bytes(block.substr(0, 16));
  }
  return parsed(2, kProxyV2FixedBytes + length, source);
}

}  // namespace

std::string_view reason_of(ProxyHeaderError error) {
  static constexpr std::string_view kReasons[kProxyHeaderErrorCount] = {
      "not_proxy", "too_long", "malformed", "bad_address", "bad_port", "unsupported"};
  const auto i = static_cast<std::size_t>(error);
  RC_ASSERT(i < kProxyHeaderErrorCount);
  return kReasons[i];
}

ProxyHeader parse_proxy_header(std::string_view bytes) {
  if (bytes.empty()) return need_more();
  // The first byte tells them apart: '\r' (v2) or 'P' (v1).
  if (agrees(bytes, kV2Signature)) return parse_v2(bytes);
  if (agrees(bytes, kV1Signature)) return parse_v1(bytes);
  return failed(ProxyHeaderError::NotProxy);
}

}  // namespace rollcall::net

#include "rollcall/net/ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <utility>

namespace rollcall::net {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

IpAddress mapped_v4(const void* four_bytes) {
  IpAddress ip;
  ip.bytes[10] = 0xFF;
  ip.bytes[11] = 0xFF;
  std::memcpy(ip.bytes.data() + 12, four_bytes, 4);
  return ip;
}

bool is_v4(const IpAddress& ip) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  return std::memcmp(ip.bytes.data(), kPrefix, sizeof kPrefix) == 0;
}

// Just the address: no brackets, no port.
std::optional<IpAddress> parse_bare(std::string_view text) {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) return mapped_v4(raw);
  if (inet_pton(AF_INET6, buf, raw) != 1) return std::nullopt;
  IpAddress ip;
  std::memcpy(ip.bytes.data(), raw, 16);
  return ip;
}

bool is_port(std::string_view s) {
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size() && port <= 65535;
}

bool bit_of(const IpAddress& ip, unsigned i) {
  return ((ip.bytes[i / 8] >> (7 - i % 8)) & 1u) != 0;
}

IpAddress masked(IpAddress ip, unsigned prefix) {
  for (unsigned i = prefix; i < 128; ++i) {
    ip.bytes[i / 8] = static_cast<std::uint8_t>(ip.bytes[i / 8] & ~(1u << (7 - i % 8)));
  }
  return ip;
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !is_port(rest.substr(1)))) return std::nullopt;
    std::optional<IpAddress> ip = parse_bare(text.substr(1, close - 1));
    if (ip && is_v4(*ip)) return std::nullopt;  // brackets are for IPv6
    return ip;
  }
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    // One colon: IPv4 with a port (IPv6 has at least two).
    if (!is_port(text.substr(colon + 1))) return std::nullopt;
    std::optional<IpAddress> ip = parse_bare(text.substr(0, colon));
    if (ip && !is_v4(*ip)) return std::nullopt;
    return ip;
  }
  return parse_bare(text);
}

std::string format_ip(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4(ip)) {
    inet_ntop(AF_INET, ip.bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof buf);
  }
  return buf;
}

IpAddress ip_from_bytes(std::string_view raw) {
  RC_ASSERT(raw.size() == 4 || raw.size() == 16);
  if (raw.size() == 4) return mapped_v4(raw.data());
  IpAddress ip;
  std::memcpy(ip.bytes.data(), raw.data(), 16);
  return ip;
}

Status AddressSet::add(std::string_view list) {
  std::vector<Network> parsed;
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view entry = trim(list.substr(0, comma));
    const std::size_t slash = entry.find('/');
    std::optional<IpAddress> base = parse_bare(entry.substr(0, slash));
    unsigned prefix = base && is_v4(*base) ? 32 : 128;
    if (base && slash != std::string_view::npos) {
      const std::string_view bits = entry.substr(slash + 1);
      unsigned n = 0;
      const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
      if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || n > prefix) {
        base.reset();
      }
      prefix = n;
    }
    if (!base) {
      std::string why(1, '\'');
      why.append(entry).append(
          "' is not an IP address or network (like 10.0.0.1, 10.0.0.0/8, 2001:db8::/32)");
      return Error{std::move(why)};
    }
    const unsigned bits = is_v4(*base) ? prefix + 96 : prefix;
    parsed.push_back(Network{masked(*base, bits), bits});
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  networks_.insert(networks_.end(), parsed.begin(), parsed.end());
  return Ok{};
}

bool AddressSet::trusts(const IpAddress& ip) const {
  for (const Network& n : networks_) {
    unsigned i = 0;
    while (i < n.prefix && bit_of(ip, i) == bit_of(n.base, i)) ++i;
    if (i == n.prefix) return true;
  }
  return false;
}

std::optional<IpAddress> peer_address(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return std::nullopt;
  if (addr.ss_family == AF_INET) {
    return mapped_v4(&reinterpret_cast<const sockaddr_in&>(addr).sin_addr);
  }
  if (addr.ss_family != AF_INET6) return std::nullopt;
  IpAddress ip;
  std::memcpy(ip.bytes.data(), &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, 16);
  return ip;
}

}  // namespace rollcall::net

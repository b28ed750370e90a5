#pragma once
/// IP addresses as limits count them: IPv4 or IPv6 held as 16 bytes (IPv4 as
/// `::ffff:a.b.c.d`), printed in their usual form (`192.0.2.1`, `2001:db8::1`);
/// sets of addresses and networks (`--trusted-proxy`); a socket's peer.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/result.hpp"

namespace rollcall::net {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool operator==(const IpAddress&) const = default;
};

/// Parses `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`, and either with a port
/// (`192.0.2.1:443`, `[2001:db8::1]:443`), surrounding blanks allowed.
std::optional<IpAddress> parse_ip(std::string_view text);
/// `192.0.2.1` for IPv4-mapped addresses, RFC 5952 text otherwise.
std::string format_ip(const IpAddress& ip);
/// The address whose bytes in network order are `raw`: 4 of them (IPv4) or 16 (IPv6).
IpAddress ip_from_bytes(std::string_view raw);

/// A set of addresses and networks (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
class AddressSet {
 public:
  /// Adds a comma-separated list; an error names the entry that is not an address
  /// or network (nothing is added then).
  Status add(std::string_view list);
  bool trusts(const IpAddress& ip) const;
  bool empty() const { return networks_.empty(); }
  std::size_t size() const { return networks_.size(); }

 private:
  struct Network {
    IpAddress base;     ///< host bits cleared
    unsigned prefix{};  ///< bits of `base` that must match, 0..128
  };
  std::vector<Network> networks_;
};

/// The TCP peer of socket `fd` (getpeername), or nullopt if it has none or is not
/// IP (a unix socket).
std::optional<IpAddress> peer_address(int fd);

}  // namespace rollcall::net

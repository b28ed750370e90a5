#pragma once
/// Push endpoints (API.md §8): the checks a subscription's endpoint URL must pass
/// before it is stored, and the address check the sender makes again when it
/// connects (a name may resolve to anything, so the parse-time check alone proves
/// nothing about where a request goes).

#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"
#include "rollcall/net/ip_address.hpp"

namespace rollcall::push {

/// Longest endpoint URL accepted, before and after normalization (API.md §8).
inline constexpr std::size_t kEndpointBytesMax = 1024;

/// An endpoint that passed `parse_endpoint`.
struct Endpoint {
  std::string url;     ///< normalized by libcurl's URL parser, host in lower case
  std::string origin;  ///< `https://host[:port]` (no port when 443): the VAPID `aud` claim
  std::string host;    ///< lower case; an IPv6 literal in brackets: the per-host limits' key
};

/// Checks and normalizes a push endpoint: `https` only; at most `kEndpointBytesMax`
/// bytes of printable ASCII (a browser's endpoint is always ASCII; an IDN host
/// arrives as punycode); `https://` then a host (no port 0); no user info, no
/// fragment, no IPv6 zone; a host that does not end with a dot. Unless
/// `allow_private`, a host that is an address (in any form libcurl reads:
/// `https://2130706433/`, `https://0x7f.1/`, `https://[::ffff:127.0.0.1]/`) must be
/// `public_address`, and `localhost` or a name under `.localhost` is refused. The
/// error says why, in words for the REST answer (`422 invalid_subscription`).
Result<Endpoint> parse_endpoint(std::string_view url, bool allow_private);

/// False for addresses a push request must never reach: unspecified, loopback,
/// private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
/// fe80::/10), CGNAT (100.64/10), "this network" (0/8), benchmarking (198.18/15),
/// multicast and reserved (224/3, ff00::/8), site-local (fec0::/10), discard-only
/// (100::/64), the deprecated IPv4-compatible block (::/96); IPv4-mapped
/// (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged
/// by the IPv4 address inside them; local-use NAT64 (64:ff9b:1::/48) is refused.
bool public_address(const net::IpAddress& ip);

/// The same for a socket address of `length` bytes (what libcurl is about to connect
/// to): false for any family but AF_INET and AF_INET6, and for a length too short
/// for its family.
bool public_address(const sockaddr* address, std::size_t length);

}  // namespace rollcall::push

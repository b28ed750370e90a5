#include "rollcall/api/client_address.hpp"

#include <optional>
#include <string_view>

namespace rollcall::api {

net::IpAddress client_address(const net::IpAddress& peer, const http::RequestHead& head,
                              const net::AddressSet& trusted) {
  if (!trusted.trusts(peer)) return peer;
  net::IpAddress client = peer;
  // Every X-Forwarded-For field, last one first, each read right to left.
  for (std::size_t h = head.header_count; h > 0; --h) {
    const http::Header& field = head.headers[h - 1];
    if (!http::ascii_iequals(field.name, "X-Forwarded-For")) continue;
    std::string_view list = field.value;
    while (true) {
      const std::size_t comma = list.rfind(',');
      const std::string_view entry =
          comma == std::string_view::npos ? list : list.substr(comma + 1);
      const std::optional<net::IpAddress> ip = net::parse_ip(entry);
      if (!ip) return client;  // nothing left of a garbled entry can be believed
      client = *ip;
      if (!trusted.trusts(client)) return client;
      if (comma == std::string_view::npos) break;
      list = list.substr(0, comma);
    }
  }
  return client;
}

}  // namespace rollcall::api

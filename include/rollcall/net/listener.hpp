#pragma once
/// Listening sockets: `HOST:PORT` parsing and one SO_REUSEPORT listener per shard,
/// all bound to the same address so the kernel spreads new connections over shards.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/result.hpp"

namespace rollcall::net {

struct ListenAddress {
  std::string host;        ///< as given ("0.0.0.0", "::1", "localhost")
  std::uint16_t port = 0;  ///< 0 asks the kernel for a free port
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
};

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

/// Splits `HOST:PORT` (`[v6]:PORT` for IPv6) without resolving anything: the syntax
/// check for command-line flags. PORT is 0..65535.
Result<HostPort> split_host_port(std::string_view text);

/// Parses `HOST:PORT` and resolves HOST (a numeric address or a name that resolves
/// locally, e.g. localhost).
Result<ListenAddress> parse_listen_address(std::string_view text);

/// Opens `count` listeners on `address` with SO_REUSEPORT. If the port is 0, the
/// first socket's kernel-chosen port is used for the rest. Before binding, checks
/// that no other socket holds the address (SO_REUSEPORT alone would silently share
/// a port with another process of the same user). Returns the fds.
Result<std::vector<int>> open_listeners(ListenAddress& address, unsigned count, int backlog);

/// Formats "HOST:PORT" for logs and the "listening on" line (IPv6 in brackets).
std::string format_host_port(const ListenAddress& address);

}  // namespace rollcall::net

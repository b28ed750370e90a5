#include "rollcall/net/listener.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace rollcall::net {

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

void set_port(sockaddr_storage& addr, std::uint16_t port) {
  if (addr.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6&>(addr).sin6_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in&>(addr).sin_port = htons(port);
  }
}

// Binds a throw-away socket without SO_REUSEPORT: it fails with EADDRINUSE when any
// other socket (including another process's SO_REUSEPORT group) holds the address.
Status check_address_free(const ListenAddress& address) {
  const int fd = ::socket(address.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"cannot create socket: " + errno_text(errno)};
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&address.addr), address.addr_len);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    if (err == EADDRINUSE)
      return Error{"port " + std::to_string(address.port) + " on " + address.host +
                   " is already in use"};
    return Error{"cannot bind " + format_host_port(address) + ": " + errno_text(err)};
  }
  return Ok{};
}

Result<int> open_one(const ListenAddress& address, int backlog) {
  const int fd = ::socket(address.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"cannot create socket: " + errno_text(errno)};
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    const int err = errno;
    ::close(fd);
    return Error{"cannot set SO_REUSEPORT: " + errno_text(err)};
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address.addr), address.addr_len) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EADDRINUSE)
      return Error{"port " + std::to_string(address.port) + " on " + address.host +
                   " is already in use"};
    return Error{"cannot bind " + format_host_port(address) + ": " + errno_text(err)};
  }
  if (::listen(fd, backlog) != 0) {
    const int err = errno;
    ::close(fd);
    return Error{"cannot listen on " + format_host_port(address) + ": " + errno_text(err)};
  }
  return fd;
}

}  // namespace

Result<HostPort> split_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error{"invalid listen address '" + std::string(text) + "': expected [IPv6]:PORT"};
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Error{"invalid listen address '" + std::string(text) + "': expected HOST:PORT"};
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Error{"invalid port '" + std::string(port_text) +
                 "' in listen address: expected 0..65535"};
  }
  if (host.empty()) return Error{"invalid listen address '" + std::string(text) + "': empty host"};
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  Result<HostPort> split = split_host_port(text);
  if (!split) return Error{split.error()};
  ListenAddress out;
  out.host = split->host;
  out.port = split->port;
  const unsigned port = out.port;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_str = std::to_string(port);
  const int rc = ::getaddrinfo(out.host.c_str(), port_str.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return Error{"cannot resolve listen host '" + out.host + "': " + gai_strerror(rc)};
  }
  std::memcpy(&out.addr, res->ai_addr, res->ai_addrlen);
  out.addr_len = res->ai_addrlen;
  ::freeaddrinfo(res);
  return out;
}

Result<std::vector<int>> open_listeners(ListenAddress& address, unsigned count, int backlog) {
  std::vector<int> fds;
  if (address.port != 0) {
    Status free = check_address_free(address);
    if (!free) return Error{free.error()};
  }
  for (unsigned i = 0; i < count; ++i) {
    Result<int> fd = open_one(address, backlog);
    if (!fd) {
      for (int open_fd : fds) ::close(open_fd);
      return Error{fd.error()};
    }
    fds.push_back(*fd);
    if (address.port == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof bound;
      ::getsockname(*fd, reinterpret_cast<sockaddr*>(&bound), &len);
      const std::uint16_t port = bound.ss_family == AF_INET6
                                     ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
      address.port = port;
      set_port(address.addr, port);
    }
  }
  return fds;
}

std::string format_host_port(const ListenAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace rollcall::net

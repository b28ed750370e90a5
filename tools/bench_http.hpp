#pragma once
// Small blocking HTTP/1.1 client pieces shared by the benchmark drivers
// (rollcall-checkin-bench, rollcall-fanout-bench). Not used by the server.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rollcall::bench_http {

/// Prints "<program>: <why>" on stderr and exits 1.
[[noreturn]] inline void die(const char* program, const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", program, why.c_str());
  std::exit(1);
}

/// A blocking TCP connection with TCP_NODELAY, or dies.
inline int connect_to(const char* program, const std::string& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    die(program, "cannot connect: " + std::string(std::strerror(errno)));
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/// One whole Content-Length framed response from a blocking socket (`buffer` keeps
/// what arrived after it).
inline std::string read_response(const char* program, int fd, std::string& buffer) {
  while (true) {
    const auto head_end = buffer.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const auto cl = buffer.find("Content-Length: ");
      const std::size_t len = cl < head_end ? std::stoul(buffer.substr(cl + 16)) : 0;
      if (buffer.size() >= head_end + 4 + len) {
        std::string out = buffer.substr(0, head_end + 4 + len);
        buffer.erase(0, head_end + 4 + len);
        return out;
      }
    }
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) die(program, "connection closed by the server");
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

/// A request with a bearer token and a JSON body.
inline std::string request(const std::string& method, const std::string& path,
                           const std::string& token, const std::string& body) {
  return method + " " + path + " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

inline int status_of(const std::string& response) {
  return std::atoi(response.c_str() + 9);
}

}  // namespace rollcall::bench_http

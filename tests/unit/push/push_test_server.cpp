#include "push_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace rollcall::push::testing {

struct PushTestServer::Connection {
  int fd = -1;
  std::string in;
  std::string out;
  bool open_request = false;  // received, not answered (hang or hold)
  bool held = false;
  int held_status = 0;
  std::uint64_t held_before = 0;  // released by a release generation above this
};

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::perror(what);
    std::abort();
  }
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The path of a target, also in absolute form (what a client sends a proxy).
std::string path_of(const std::string& target) {
  std::string path = target;
  if (path.rfind("http://", 0) == 0) {
    const std::size_t slash = path.find('/', 7);
    path = slash == std::string::npos ? "/" : path.substr(slash);
  }
  return path.substr(0, path.find('?'));
}

// A whole request at the front of `in`, removed from it; false if not whole yet.
bool take_request(std::string& in, PushTestServer::Request& r) {
  const std::size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  const std::string head = in.substr(0, end);
  std::size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const std::size_t sp1 = request_line.find(' ');
  const std::size_t sp2 = request_line.find(' ', sp1 + 1);
  r.method = request_line.substr(0, sp1);
  r.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  r.headers.clear();
  while (line_end != std::string::npos && line_end < head.size()) {
    const std::size_t next = head.find("\r\n", line_end + 2);
    const std::string line = head.substr(line_end + 2, next - line_end - 2);
    const std::size_t colon = line.find(':');
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[lower(line.substr(0, colon))] = value;
    line_end = next;
  }
  std::size_t length = 0;
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
    length = std::stoul(it->second);
  }
  if (in.size() < end + 4 + length) return false;
  r.body = in.substr(end + 4, length);
  in.erase(0, end + 4 + length);
  r.at = std::chrono::steady_clock::now();
  return true;
}

}  // namespace

PushTestServer::PushTestServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  check(listen_fd_ >= 0, "socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0, "bind");
  check(listen(listen_fd_, 128) == 0, "listen");
  socklen_t len = sizeof a;
  check(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0, "getsockname");
  port_ = ntohs(a.sin_port);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  check(wake_fd_ >= 0, "eventfd");
  thread_ = std::thread([this] { serve(); });
}

PushTestServer::~PushTestServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  const std::uint64_t one = 1;
  check(write(wake_fd_, &one, sizeof one) == sizeof one, "write eventfd");
  thread_.join();
  close(wake_fd_);
  close(listen_fd_);
}

std::string PushTestServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void PushTestServer::script(const std::string& path, std::vector<Reply> replies) {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_[path] = std::move(replies);
}

void PushTestServer::release_held() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++release_generation_;
  }
  const std::uint64_t one = 1;
  check(write(wake_fd_, &one, sizeof one) == sizeof one, "write eventfd");
}

std::vector<PushTestServer::Request> PushTestServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<PushTestServer::Request> PushTestServer::requests_to(std::string_view path) const {
  std::vector<Request> out;
  for (Request& r : requests()) {
    if (path_of(r.target) == path) out.push_back(std::move(r));
  }
  return out;
}

std::size_t PushTestServer::open_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

std::size_t PushTestServer::max_open_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_open_;
}

std::size_t PushTestServer::connections_accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

void PushTestServer::answer(Connection& c, int status, const std::string& retry_after) {
  c.out += "HTTP/1.1 " + std::to_string(status) + " Scripted\r\nContent-Length: 0\r\n";
  if (!retry_after.empty()) c.out += "Retry-After: " + retry_after + "\r\n";
  c.out += "\r\n";
}

void PushTestServer::flush(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // EAGAIN: POLLOUT later; an error: the read side sees the close
    c.out.erase(0, static_cast<std::size_t>(n));
  }
}

void PushTestServer::handle(Connection& c, Request request) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string path = path_of(request.target);
  requests_.push_back(std::move(request));
  max_open_ = std::max(max_open_, ++open_);
  Reply reply;
  if (auto it = scripts_.find(path); it != scripts_.end() && !it->second.empty()) {
    const std::size_t i = served_[path]++;
    reply = it->second[std::min(i, it->second.size() - 1)];
  }
  if (reply.hang || reply.hold) {
    c.open_request = true;
    c.held = reply.hold;
    c.held_status = reply.status;
    c.held_before = release_generation_;
    return;
  }
  --open_;
  answer(c, reply.status, reply.retry_after);
}

// False once the peer closed.
bool PushTestServer::read_from(Connection& c) {
  char buf[16384];
  for (;;) {
    const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    c.in.append(buf, static_cast<std::size_t>(n));
  }
  Request r;
  while (!c.open_request && take_request(c.in, r)) handle(c, std::move(r));
  return true;
}

void PushTestServer::serve() {
  std::vector<std::unique_ptr<Connection>> conns;
  for (;;) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    for (const auto& c : conns) {
      fds.push_back({c->fd, static_cast<short>(POLLIN | (c->out.empty() ? 0 : POLLOUT)), 0});
    }
    check(poll(fds.data(), fds.size(), -1) >= 0 || errno == EINTR, "poll");
    std::uint64_t generation = 0;
    {
      std::uint64_t drained = 0;
      (void)!read(wake_fd_, &drained, sizeof drained);
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
      generation = release_generation_;
      for (const auto& c : conns) {
        if (c->open_request && c->held && c->held_before < generation) {
          c->open_request = c->held = false;
          --open_;
          answer(*c, c->held_status, "");
        }
      }
    }
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++accepted_;
      }
      conns.push_back(std::make_unique<Connection>());
      conns.back()->fd = fd;
    }
    for (std::size_t i = 0; i < conns.size();) {
      Connection& c = *conns[i];
      const bool alive = read_from(c);
      flush(c);
      if (alive) {
        ++i;
        continue;
      }
      if (c.open_request) {
        std::lock_guard<std::mutex> lock(mu_);
        --open_;
      }
      close(c.fd);
      conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  for (const auto& c : conns) close(c->fd);
}

}  // namespace rollcall::push::testing

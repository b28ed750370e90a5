#pragma once
// A scripted push service for the sender's tests: plain HTTP/1.1 (keep-alive) on a
// loopback port, served by one thread. Each path answers from its script, one reply
// per request in order (the last repeats; an unscripted path answers 201). It
// records every request (method, target, headers, body, arrival time) and counts
// the requests open at once (received, not yet answered).

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace rollcall::push::testing {

class PushTestServer {
 public:
  struct Reply {
    int status = 201;
    std::string retry_after;  ///< a Retry-After header when not empty
    bool hang = false;        ///< never answer (until the client gives up)
    bool hold = false;        ///< answer `status` once `release_held` is called
  };
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
    std::chrono::steady_clock::time_point at;
  };

  PushTestServer();  ///< listening on 127.0.0.1, an ephemeral port
  ~PushTestServer();
  PushTestServer(const PushTestServer&) = delete;
  PushTestServer& operator=(const PushTestServer&) = delete;

  std::uint16_t port() const { return port_; }
  /// `http://127.0.0.1:PORT` + `path`.
  std::string url(std::string_view path) const;

  void script(const std::string& path, std::vector<Reply> replies);
  /// Answers every request held so far (later ones on a hold script are held again).
  void release_held();

  std::vector<Request> requests() const;
  std::vector<Request> requests_to(std::string_view path) const;
  std::size_t open_requests() const;
  std::size_t max_open_requests() const;
  std::size_t connections_accepted() const;

 private:
  struct Connection;
  void serve();
  bool read_from(Connection& c);
  void handle(Connection& c, Request request);
  static void answer(Connection& c, int status, const std::string& retry_after);
  void flush(Connection& c);

  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop, release
  std::uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Reply>> scripts_;
  std::map<std::string, std::size_t> served_;  // requests per path so far
  std::vector<Request> requests_;
  std::size_t open_ = 0;
  std::size_t max_open_ = 0;
  std::size_t accepted_ = 0;
  bool stop_ = false;
  std::uint64_t release_generation_ = 0;
  std::thread thread_;
};

}  // namespace rollcall::push::testing

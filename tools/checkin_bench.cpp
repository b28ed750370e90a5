// rollcall-checkin-bench: check-ins per second through the full HTTP path.
//
//   rollcall-checkin-bench --target 127.0.0.1:PORT --data-dir DIR [--connections 64]
//                          [--duration-s 5] [--classes N]
//
// Reads the data directory's roster and secret to mint tokens (like `rollcall
// token`), opens a session in each class through the API, then drives
// `POST /api/v1/attendance/check-in` with verification codes from --connections
// keep-alive connections, one request in flight per connection, each student
// checking in once (201). Prints one JSON line: requests, created, repeated,
// errors, seconds, checkins_per_s, latency_ms {p50, p99, max}.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_http.hpp"
#include "rollcall/auth/jwt.hpp"
#include "rollcall/auth/secret.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/wal/roster_file.hpp"

using namespace rollcall;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string data_dir = "./rollcall-data";
  int connections = 64;
  double duration_s = 5;
  unsigned classes = 0;  // 0: all
};

constexpr const char* kProgram = "rollcall-checkin-bench";

[[noreturn]] void die(const std::string& why) {
  bench_http::die(kProgram, why);
}
int connect_to(const Options& o) {
  return bench_http::connect_to(kProgram, o.host, o.port);
}
std::string read_response(int fd, std::string& buffer) {
  return bench_http::read_response(kProgram, fd, buffer);
}
using bench_http::request;
using bench_http::status_of;

struct Job {
  std::string request;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--target") {
      const auto colon = value.rfind(':');
      o.host = value.substr(0, colon);
      o.port = std::atoi(value.c_str() + colon + 1);
    } else if (flag == "--data-dir") {
      o.data_dir = value;
    } else if (flag == "--connections") {
      o.connections = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--duration-s") {
      o.duration_s = std::atof(value.c_str());
    } else if (flag == "--classes") {
      o.classes = static_cast<unsigned>(std::atoi(value.c_str()));
    } else {
      die("unknown flag " + flag);
    }
  }
  if (sodium_init() < 0) die("libsodium");
  auto roster = wal::read_roster_file(wal::active_roster_path(o.data_dir));
  if (!roster) die(roster.error());
  auto secret = auth::load_secret(o.data_dir + "/jwt.secret");
  if (!secret) die(secret.error());
  const auth::JwtCodec jwt(auth::derive_key(*secret, "jwt"));
  const std::int64_t now_s = wall_ms() / 1000;

  // Open a session in each class (closing a leftover one first) and collect its code.
  const int setup = connect_to(o);
  std::string setup_buf;
  std::vector<Job> jobs;
  unsigned used = 0;
  for (const domain::ClassInfo* cls : (*roster)->classes()) {
    if (o.classes != 0 && used == o.classes) break;
    if (cls->teachers.empty() || cls->students.empty()) continue;
    ++used;
    const domain::User* teacher = (*roster)->user(cls->teachers.front());
    const std::string t = jwt.issue(teacher->id.value, teacher->role, now_s, 3600);
    const std::string cid = std::to_string(cls->id.value);
    std::string body = "";
    std::string reply;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const std::string req = request("POST", "/api/v1/classes/" + cid + "/sessions", t,
                                      R"({"late_after_minutes":60})");
      ::send(setup, req.data(), req.size(), MSG_NOSIGNAL);
      reply = read_response(setup, setup_buf);
      if (status_of(reply) != 409) break;
      const std::string cur = request("GET", "/api/v1/classes/" + cid + "/sessions/current", t, "");
      ::send(setup, cur.data(), cur.size(), MSG_NOSIGNAL);
      const std::string current = read_response(setup, setup_buf);
      const auto id_at = current.find("\"id\":");
      const std::string sid = current.substr(id_at + 5, current.find(',', id_at) - id_at - 5);
      const std::string close = request("POST", "/api/v1/sessions/" + sid + "/close", t, "");
      ::send(setup, close.data(), close.size(), MSG_NOSIGNAL);
      read_response(setup, setup_buf);
    }
    if (status_of(reply) != 201) die("could not open a session in class " + cid + ": " + reply);
    const auto at = reply.find("\"verification_code\":\"");
    const std::string code = reply.substr(at + 21, 6);
    for (const domain::UserId s : cls->students) {
      const std::string st = jwt.issue(s.value, domain::Role::Student, now_s, 3600);
      jobs.push_back({request(
          "POST", "/api/v1/attendance/check-in", st,
          R"({"method":"verification_code","class_id":)" + cid + R"(,"code":")" + code + "\"}")});
    }
  }
  ::close(setup);
  if (jobs.empty()) die("no students to check in");

  // Closed loop: each connection has one request in flight.
  std::vector<int> fds;
  std::vector<std::string> bufs(static_cast<std::size_t>(o.connections));
  std::vector<std::uint64_t> sent_at(static_cast<std::size_t>(o.connections));
  for (int i = 0; i < o.connections; ++i) fds.push_back(connect_to(o));
  std::vector<std::uint64_t> latencies_ns;
  latencies_ns.reserve(jobs.size());
  std::size_t next = 0, created = 0, repeated = 0, errors = 0, done = 0;
  const std::uint64_t start = monotonic_ns();
  const std::uint64_t end = start + static_cast<std::uint64_t>(o.duration_s * 1e9);
  auto issue = [&](int i) {
    if (next >= jobs.size() || monotonic_ns() >= end) return false;
    const std::string& r = jobs[next++].request;
    sent_at[static_cast<std::size_t>(i)] = monotonic_ns();
    ::send(fds[static_cast<std::size_t>(i)], r.data(), r.size(), MSG_NOSIGNAL);
    return true;
  };
  std::size_t in_flight = 0;
  for (int i = 0; i < o.connections; ++i) in_flight += issue(i) ? 1 : 0;
  std::vector<pollfd> pfds(fds.size());
  while (in_flight > 0) {
    for (std::size_t i = 0; i < fds.size(); ++i) pfds[i] = {fds[i], POLLIN, 0};
    ::poll(pfds.data(), pfds.size(), 1000);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(pfds[i].revents & POLLIN)) continue;
      char chunk[65536];
      const ssize_t n = ::recv(fds[i], chunk, sizeof chunk, 0);
      if (n <= 0) die("connection closed by the server");
      bufs[i].append(chunk, static_cast<std::size_t>(n));
      const auto head_end = bufs[i].find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      const auto cl = bufs[i].find("Content-Length: ");
      const std::size_t len = cl < head_end ? std::stoul(bufs[i].substr(cl + 16)) : 0;
      if (bufs[i].size() < head_end + 4 + len) continue;
      const int status = status_of(bufs[i]);
      bufs[i].erase(0, head_end + 4 + len);
      latencies_ns.push_back(monotonic_ns() - sent_at[i]);
      ++done;
      if (status == 201) {
        ++created;
      } else if (status == 200) {
        ++repeated;
      } else {
        ++errors;
      }
      --in_flight;
      in_flight += issue(static_cast<int>(i)) ? 1 : 0;
    }
  }
  const double seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
  std::sort(latencies_ns.begin(), latencies_ns.end());
  auto pct = [&](double p) {
    if (latencies_ns.empty()) return 0.0;
    return static_cast<double>(latencies_ns[static_cast<std::size_t>(
               p * static_cast<double>(latencies_ns.size() - 1))]) /
           1e6;
  };
  std::printf(
      "{\"requests\":%zu,\"created\":%zu,\"repeated\":%zu,\"errors\":%zu,\"seconds\":%.3f,"
      "\"checkins_per_s\":%.0f,"
      "\"connections\":%d,\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}}\n",
      done, created, repeated, errors, seconds, static_cast<double>(done) / seconds, o.connections,
      pct(0.5), pct(0.99),
      latencies_ns.empty() ? 0.0 : static_cast<double>(latencies_ns.back()) / 1e6);
  for (const int fd : fds) ::close(fd);
  return errors == 0 ? 0 : 1;
}

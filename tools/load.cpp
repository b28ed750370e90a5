// rollcall-load: many classes, many live subscribers, writes at a fixed rate.
//
//   rollcall-load --target http://127.0.0.1:PORT --token ADMIN_JWT
//                 --classes 300 --subscribers 10000 --writes-per-s 1000 --duration-s 10
//                 [--source-ips 4] [--scenario overrides|checkins|reconnect-storm]
//                 [--data-dir DIR] [--server-pid PID]            (--help: every flag)
//
// What it does, in order (one thread, epoll, the real wire contract of API.md):
//  1. Takes the first --classes classes the token sees (GET /api/v1/classes) and
//     their students (GET /api/v1/classes/{id}), and opens a fresh session in each
//     (an open one is closed first). If the server refuses the token there, the
//     classes' teachers' tokens are minted from --data-dir instead.
//  2. Connects --subscribers WebSockets on /ws/attendance/{class}, subscriber i on
//     the i-th class round robin, with the same token (admins and teachers get every
//     event), socket i bound to 127.0.0.(1 + i % --source-ips); at most
//     --connect-window handshakes in flight. Waits for every connection_established.
//  3. Open loop: a 1 ms timer releases writes so that after t seconds
//     t x --writes-per-s have gone out, over --write-conns keep-alive connections
//     (one request in flight each; a write that finds them all busy waits in a
//     queue and is counted in writes_queued). Round robin over classes, and within
//     a class over its students:
//       overrides        PUT /api/v1/sessions/{sid}/attendance/{student}, status
//                        toggling excused/absent every round, reason
//                        "rollcall-load #<write>" (so an event names its write);
//       checkins         POST /api/v1/attendance/check-in with the session's code
//                        and the student's token minted from --data-dir (each
//                        student once; writes stop when every student has checked in);
//       reconnect-storm  overrides; after --storm-after-s every subscriber is closed
//                        at once and reconnected with since=<last seq it saw>&epoch=,
//                        while the writes go on.
//  4. Every attendance_update (overrides) / student_joined (checkins) read by a
//     subscriber is matched to its write (the write id in the reason; for check-ins
//     the (class, student) pair, each student being written once) and its latency
//     taken from the moment the write's request was sent to the moment the
//     subscriber read the frame. Every event's seq must follow the previous one by
//     exactly 1 (the subscribers see every event): less is a duplicate, more a gap.
//  5. After --duration-s, waits until every acknowledged write reached every
//     subscriber of its class, or --grace-s passed; then prints one JSON line.
//
// lost = for every acknowledged write (200 override, 201 check-in): subscribers of
// its class that never read its event (a subscriber resumed with recovered:false is
// not expected to see the events its fresh snapshot replaced). Exit status 0 only if
// errors, lost and duplicated are all 0.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench_http.hpp"
#include "rollcall/auth/jwt.hpp"
#include "rollcall/auth/secret.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/wal/roster_file.hpp"

using namespace rollcall;

namespace {

constexpr const char* kProgram = "rollcall-load";
constexpr const char* kReasonPrefix = "rollcall-load #";

/// Usage and setup errors: exit 2 (1 is for a run that found errors, loss or duplicates).
[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", kProgram, why.c_str());
  std::exit(2);
}
void warn(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", kProgram, what.c_str());
}

constexpr const char* kUsage =
    "usage: rollcall-load --target http://HOST:PORT (--token JWT | --data-dir DIR) [options]\n"
    "\n"
    "Opens a fresh session in each of the first --classes classes, connects --subscribers\n"
    "WebSockets spread evenly over them, waits for every connection_established, then\n"
    "sends writes at a fixed rate (open loop) for --duration-s and matches every resulting\n"
    "event at every subscriber of the class to its write. One thread, epoll. Progress on\n"
    "stderr once a second; one JSON line on stdout at the end. Exit 0 only if errors,\n"
    "lost and duplicated are all 0 (1 otherwise, 2 on a usage or setup error).\n"
    "\n"
    "  --target URL            server, http://HOST:PORT or HOST:PORT (IPv4)\n"
    "  --token JWT             an admin token (rollcall token --user admin); used for the\n"
    "                          sessions, the overrides and the subscribers. Without it,\n"
    "                          one is minted from --data-dir. If the server refuses it for\n"
    "                          a class's session, that class's teacher's token is minted\n"
    "                          from --data-dir and used instead.\n"
    "  --data-dir DIR          the server's data directory: roster and JWT secret, to mint\n"
    "                          tokens (needed for --scenario checkins)\n"
    "  --classes N             classes to use, the first N the token sees (default 300)\n"
    "  --subscribers N         WebSocket subscribers, subscriber i on class i mod N\n"
    "                          (default 10000); must fit RLIMIT_NOFILE with --write-conns\n"
    "  --writes-per-s R        writes per second, all classes together (default 1000;\n"
    "                          0: only connect, e.g. to measure memory per connection)\n"
    "  --duration-s S          seconds of writes (default 10)\n"
    "  --scenario NAME         overrides (default), checkins or reconnect-storm\n"
    "  --source-ips N          bind subscriber i to 127.0.0.(1 + i mod N), for more than\n"
    "                          one address's ephemeral ports (default 1: no bind; needs a\n"
    "                          127.x target when N > 1)\n"
    "  --server-pid PID        read the server's VmRSS (/proc/PID/status) before and after\n"
    "                          connecting: server_rss_kb, rss_per_conn_bytes\n"
    "  --write-conns N         keep-alive connections for the writes (default 32)\n"
    "  --connect-window N      WebSocket handshakes in flight at once (default 512)\n"
    "  --grace-s S             after the writes, wait this long at most for the last\n"
    "                          deliveries and answers (default 2)\n"
    "  --storm-after-s S       reconnect-storm: drop every subscriber after S s of writes\n"
    "                          (default 1)\n"
    "  --settle-s S            with --server-pid: once every subscriber hung up and the\n"
    "                          server's /metrics shows no subscriber left, wait S s more\n"
    "                          and read its RSS again: server_rss_after_kb (default 0;\n"
    "                          a shard hands memory back every 5 s: bench/run waits 6)\n"
    "  -h, --help              this text\n"
    "\n"
    "JSON fields: scenario, classes, subscribers, connections (subscribers that got their\n"
    "connection_established), connect_s, connects_per_s, writes (acknowledged),\n"
    "writes_sent, writes_per_s, writes_queued, write_latency_ms, deliveries (events\n"
    "matched to a write at a subscriber), deliveries_per_s, frames (event frames read\n"
    "after the hellos), frames_per_s, lost, duplicated, seq_gaps, latency_ms {p50, p90,\n"
    "p99, p999, max} (write sent -> event read), server_rss_kb (at the end),\n"
    "server_rss_before_kb, server_rss_connected_kb, rss_per_conn_bytes,\n"
    "server_rss_after_kb (every subscriber gone, see --settle-s), errors (write\n"
    "errors + unanswered writes + connect and handshake failures + subscribers closed by\n"
    "the server + protocol errors + seq gaps, each also on its own), load_cpu_s (this\n"
    "process's user+system CPU), and for reconnect-storm reconnect_s (drop -> last\n"
    "connection_established), recovered, not_recovered.\n";

// ---- small parsing helpers ----------------------------------------------------------

std::optional<std::uint64_t> number_at(std::string_view text, std::size_t at) {
  std::uint64_t n = 0;
  const auto r = std::from_chars(text.data() + at, text.data() + text.size(), n);
  if (r.ec != std::errc{} || r.ptr == text.data() + at) return std::nullopt;
  return n;
}
std::optional<std::uint64_t> number_after(std::string_view text, std::string_view key,
                                          std::size_t from = 0) {
  const auto at = text.find(key, from);
  if (at == std::string_view::npos) return std::nullopt;
  return number_at(text, at + key.size());
}
std::string_view string_after(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return {};
  const auto end = text.find('"', at + key.size());
  if (end == std::string_view::npos) return {};
  return text.substr(at + key.size(), end - at - key.size());
}
/// Every number that follows `key` in `text` from `from` on.
std::vector<std::uint64_t> numbers_after(std::string_view text, std::string_view key,
                                         std::size_t from = 0) {
  std::vector<std::uint64_t> out;
  for (auto at = text.find(key, from); at != std::string_view::npos;
       at = text.find(key, at + key.size())) {
    if (auto n = number_at(text, at + key.size())) out.push_back(*n);
  }
  return out;
}
double parse_double(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || d < 0)
    die(flag + " wants a non-negative number, not '" + v + "'");
  return d;
}
long parse_int(const std::string& flag, const std::string& v, long min) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < min) {
    die(flag + " wants an integer >= " + std::to_string(min) + ", not '" + v + "'");
  }
  return n;
}

long read_rss_kb(long pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}
// The sum of a gauge family's samples in a Prometheus text page (-1: not there).
long gauge_sum(const std::string& page, std::string_view family) {
  long sum = -1;
  std::size_t at = 0;
  while (at < page.size()) {
    std::size_t end = page.find('\n', at);
    if (end == std::string::npos) end = page.size();
    const std::string_view line(page.data() + at, end - at);
    at = end + 1;
    if (line.rfind(family, 0) != 0 || line.size() == family.size()) continue;
    const char next = line[family.size()];
    if (next != ' ' && next != '{') continue;
    const std::size_t space = line.rfind(' ');
    sum = std::max(sum, 0L) + std::atol(std::string(line.substr(space + 1)).c_str());
  }
  return sum;
}

// GET /metrics on a connection of its own (blocking; only after the run).
std::string fetch_metrics(const sockaddr_in& to) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  std::string page;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) {
    const std::string_view req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[16384];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        page.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return page;
}

// The server's RSS once it holds no subscriber (its gauge reads 0, at most 10 s)
// and `settle_s` more seconds passed: what a storm of subscribers left behind.
long rss_after_leaving(const sockaddr_in& to, long pid, double settle_s) {
  if (pid <= 0) return -1;
  const std::uint64_t give_up = monotonic_ns() + 10'000'000'000ull;
  while (gauge_sum(fetch_metrics(to), "rollcall_ws_subscribers_open") > 0 &&
         monotonic_ns() < give_up) {
    ::usleep(50'000);  // polling the server's own count, not waiting for a guess
  }
  ::usleep(static_cast<useconds_t>(settle_s * 1e6));
  return read_rss_kb(pid);
}

long read_fd_limit(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("Max open files", 0) == 0) return std::atol(line.c_str() + 14);
  }
  return -1;
}
double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ---- latency histogram: log-linear, 1/512 relative precision, microseconds ---------

class Histogram {
 public:
  Histogram() : counts_(1024 + 54 * 512, 0) {}
  void add(std::uint64_t us) {
    ++counts_[index(us)];
    ++n_;
    max_ = std::max(max_, us);
  }
  std::uint64_t count() const { return n_; }
  double max_ms() const { return static_cast<double>(max_) / 1000.0; }
  /// The value at quantile q in milliseconds (bucket midpoint; exact below 1 ms).
  double quantile_ms(double q) const {
    if (n_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(n_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank)
        return std::min(static_cast<double>(value(i)), static_cast<double>(max_)) / 1000.0;
    }
    return max_ms();
  }
  std::string json() const {
    char b[200];
    std::snprintf(
        b, sizeof b, "{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}",
        quantile_ms(0.5), quantile_ms(0.9), quantile_ms(0.99), quantile_ms(0.999), max_ms());
    return b;
  }

 private:
  static std::size_t index(std::uint64_t v) {
    if (v < 1024) return static_cast<std::size_t>(v);
    const int msb = 63 - std::countl_zero(v);  // >= 10
    const int shift = msb - 9;
    const std::uint64_t mantissa = v >> shift;  // 512..1023
    return 1024 + static_cast<std::size_t>(msb - 10) * 512 +
           static_cast<std::size_t>(mantissa - 512);
  }
  static std::uint64_t value(std::size_t i) {
    if (i < 1024) return i;
    const std::size_t msb = (i - 1024) / 512 + 10;
    const std::uint64_t mantissa = (i - 1024) % 512 + 512;
    const int shift = static_cast<int>(msb) - 9;
    return (mantissa << shift) + ((1ull << shift) >> 1);
  }
  std::vector<std::uint64_t> counts_;
  std::uint64_t n_ = 0, max_ = 0;
};

// ---- options -----------------------------------------------------------------------

enum class Scenario { Overrides, Checkins, ReconnectStorm };

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
  std::string data_dir;
  long classes = 300;
  long subscribers = 10000;
  double writes_per_s = 1000;
  double duration_s = 10;
  long source_ips = 1;
  Scenario scenario = Scenario::Overrides;
  long server_pid = 0;
  long write_conns = 32;
  long connect_window = 512;
  double grace_s = 2;
  double storm_after_s = 1;
  double settle_s = 0;
};

const char* scenario_name(Scenario s) {
  switch (s) {
    case Scenario::Overrides: return "overrides";
    case Scenario::Checkins: return "checkins";
    case Scenario::ReconnectStorm: return "reconnect-storm";
  }
  return "?";
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool have_target = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) die("missing value for " + flag + " (--help lists the flags)");
    const std::string v = argv[++i];
    if (flag == "--target") {
      std::string t = v;
      if (t.rfind("http://", 0) == 0) t = t.substr(7);
      if (t.rfind("https://", 0) == 0) die("--target: https is not supported");
      while (!t.empty() && t.back() == '/') t.pop_back();
      const auto colon = t.rfind(':');
      if (colon == std::string::npos) die("--target wants http://HOST:PORT, not '" + v + "'");
      o.host = t.substr(0, colon);
      if (o.host == "localhost") o.host = "127.0.0.1";
      in_addr probe{};
      if (::inet_pton(AF_INET, o.host.c_str(), &probe) != 1)
        die("--target: '" + o.host + "' is not an IPv4 address");
      o.port = static_cast<int>(parse_int("--target port", t.substr(colon + 1), 1));
      have_target = true;
    } else if (flag == "--token") {
      o.token = v;
    } else if (flag == "--data-dir") {
      o.data_dir = v;
    } else if (flag == "--classes") {
      o.classes = parse_int(flag, v, 1);
    } else if (flag == "--subscribers") {
      o.subscribers = parse_int(flag, v, 0);
    } else if (flag == "--writes-per-s") {
      o.writes_per_s = parse_double(flag, v);
    } else if (flag == "--duration-s") {
      o.duration_s = parse_double(flag, v);
    } else if (flag == "--source-ips") {
      o.source_ips = parse_int(flag, v, 1);
      if (o.source_ips > 254) die("--source-ips is at most 254");
    } else if (flag == "--scenario") {
      if (v == "overrides") {
        o.scenario = Scenario::Overrides;
      } else if (v == "checkins") {
        o.scenario = Scenario::Checkins;
      } else if (v == "reconnect-storm") {
        o.scenario = Scenario::ReconnectStorm;
      } else {
        die("--scenario is overrides, checkins or reconnect-storm, not '" + v + "'");
      }
    } else if (flag == "--server-pid") {
      o.server_pid = parse_int(flag, v, 1);
    } else if (flag == "--write-conns") {
      o.write_conns = parse_int(flag, v, 1);
    } else if (flag == "--connect-window") {
      o.connect_window = parse_int(flag, v, 1);
    } else if (flag == "--settle-s") {
      o.settle_s = parse_double(flag, v);
    } else if (flag == "--grace-s") {
      o.grace_s = parse_double(flag, v);
    } else if (flag == "--storm-after-s") {
      o.storm_after_s = parse_double(flag, v);
    } else {
      die("unknown flag " + flag + " (--help lists the flags)");
    }
  }
  if (!have_target) die("--target is required (--help lists the flags)");
  if (o.token.empty() && o.data_dir.empty())
    die("give --token (an admin JWT) or --data-dir to mint one");
  if (o.scenario == Scenario::Checkins && o.data_dir.empty()) {
    die("--scenario checkins needs --data-dir (students' tokens are minted from it)");
  }
  if (o.source_ips > 1 && o.host.rfind("127.", 0) != 0)
    die("--source-ips > 1 needs a 127.x target");
  if (o.scenario == Scenario::ReconnectStorm && o.storm_after_s >= o.duration_s) {
    die("reconnect-storm: --storm-after-s must be less than --duration-s");
  }
  return o;
}

// ---- sockets -----------------------------------------------------------------------

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}
void set_nodelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/// A non-blocking connect started (EINPROGRESS counts as started); -errno on failure.
int start_connect(const sockaddr_in& to, const sockaddr_in* from) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  set_nodelay(fd);
  if (from != nullptr) {
    const int one = 1;  // pick the port at connect(), per destination, not at bind()
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(from), sizeof *from) != 0) {
      const int e = errno;
      ::close(fd);
      return -e;
    }
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 &&
      errno != EINPROGRESS) {
    const int e = errno;
    ::close(fd);
    return -e;
  }
  return fd;
}

// Epoll tags: kind in the high 32 bits, index in the low.
constexpr std::uint64_t kSubTag = 0, kPoolTag = 1, kTimerTag = 2;
std::uint64_t tag(std::uint64_t kind, std::uint64_t index) {
  return (kind << 32) | index;
}

// ---- HTTP client pool: keep-alive connections, one request in flight each ------------

struct HttpResult {
  int status = 0;  // 0: the connection failed
  std::string_view body;
};

class HttpPool {
 public:
  using Done = std::function<void(std::uint64_t job, const HttpResult&, std::uint64_t now_ns)>;
  using Sent = std::function<void(std::uint64_t job, std::uint64_t now_ns)>;

  HttpPool(int epoll_fd, sockaddr_in target, std::size_t conns, Done done, Sent sent = {})
      : ep_(epoll_fd),
        target_(target),
        conns_(conns),
        done_(std::move(done)),
        sent_(std::move(sent)) {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      open(i);
      idle_.push_back(i);
    }
  }
  /// A connection idle longer than this is reopened before its next request: half
  /// the server's header timeout (10 s, for a connection that has not sent a
  /// request yet; the keep-alive timeout after one is 60 s), so that a request never
  /// races the server closing the connection (it would be lost unanswered, as no
  /// error of the server's).
  static constexpr std::uint64_t kReuseIdleMaxNs = 5'000'000'000ull;
  ~HttpPool() {
    for (Conn& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
  }
  HttpPool(const HttpPool&) = delete;
  HttpPool& operator=(const HttpPool&) = delete;

  /// Sends now on an idle connection, else queues (returns false when queued).
  bool submit(std::uint64_t job, std::string request) {
    if (idle_.empty()) {
      queue_.push_back({job, std::move(request)});
      return false;
    }
    start(take_idle(), job, std::move(request));
    return true;
  }
  std::size_t in_flight() const { return conns_.size() - idle_.size(); }
  std::size_t queued() const { return queue_.size(); }
  bool idle() const { return queue_.empty() && idle_.size() == conns_.size(); }

  void on_event(std::size_t i, std::uint32_t events) {
    Conn& c = conns_[i];
    if ((events & EPOLLOUT) && c.out_off < c.out.size()) flush(i);
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    char chunk[65536];
    while (true) {
      const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        c.in.append(chunk, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof chunk) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      fail(i, n == 0 ? "connection closed by the server" : std::strerror(errno));
      return;
    }
    parse(i);
  }

  /// Runs its own epoll loop until every submitted request is answered (setup).
  void drain() {
    std::vector<epoll_event> ready(256);
    while (!idle()) {
      const int n = ::epoll_wait(ep_, ready.data(), static_cast<int>(ready.size()), 1000);
      for (int k = 0; k < n; ++k)
        on_event(ready[static_cast<std::size_t>(k)].data.u64 & 0xffffffffu,
                 ready[static_cast<std::size_t>(k)].events);
    }
  }

 private:
  struct Conn {
    int fd = -1;
    std::string in, out;
    std::size_t out_off = 0;
    bool busy = false;
    bool want_out = false;
    std::uint64_t job = 0;
    std::uint64_t idle_since_ns = 0;  ///< when it was opened or last became idle
  };
  struct Pending {
    std::uint64_t job;
    std::string request;
  };

  void open(std::size_t i) {
    Conn& c = conns_[i];
    if (c.fd >= 0) ::close(c.fd);
    c = Conn{};
    c.idle_since_ns = monotonic_ns();
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die("socket: " + std::string(std::strerror(errno)));
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&target_), sizeof target_) != 0) {
      die("cannot connect to the server: " + std::string(std::strerror(errno)));
    }
    set_nodelay(c.fd);
    set_nonblocking(c.fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag(kPoolTag, i);
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }
  void start(std::size_t i, std::uint64_t job, std::string request) {
    Conn& c = conns_[i];
    c.busy = true;
    c.job = job;
    c.out = std::move(request);
    c.out_off = 0;
    if (sent_) sent_(job, monotonic_ns());
    flush(i);
  }
  void flush(std::size_t i) {
    Conn& c = conns_[i];
    while (c.out_off < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EAGAIN) break;
      if (n < 0 && errno == EINTR) continue;
      fail(i, std::strerror(errno));
      return;
    }
    const bool want = c.out_off < c.out.size();
    if (want != c.want_out) {
      c.want_out = want;
      epoll_event ev{};
      ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
      ev.data.u64 = tag(kPoolTag, i);
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    }
  }
  void parse(std::size_t i) {
    Conn& c = conns_[i];
    while (true) {
      const auto head_end = c.in.find("\r\n\r\n");
      if (head_end == std::string::npos) return;
      const std::string_view head(c.in.data(), head_end);
      std::size_t len = 0;
      for (const char* key : {"\r\nContent-Length: ", "\r\ncontent-length: "}) {
        if (auto n = number_after(head, key)) len = *n;
      }
      if (c.in.size() < head_end + 4 + len) return;
      if (!c.busy) {
        fail(i, "an answer nobody asked for");
        return;
      }
      const bool close_after = head.find("\r\nConnection: close") != std::string_view::npos;
      HttpResult r;
      r.status = std::atoi(c.in.c_str() + 9);
      r.body = std::string_view(c.in).substr(head_end + 4, len);
      const std::uint64_t job = c.job;
      c.busy = false;
      done_(job, r, monotonic_ns());
      c.in.erase(0, head_end + 4 + len);
      if (close_after) open(i);
      next(i);
      return;
    }
  }
  std::size_t take_idle() {
    const std::size_t i = idle_.back();
    idle_.pop_back();
    if (monotonic_ns() - conns_[i].idle_since_ns > kReuseIdleMaxNs) open(i);
    return i;
  }
  void next(std::size_t i) {
    if (queue_.empty()) {
      conns_[i].idle_since_ns = monotonic_ns();
      idle_.push_back(i);
      return;
    }
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    start(i, p.job, std::move(p.request));
  }
  void fail(std::size_t i, const std::string& why) {
    Conn& c = conns_[i];
    const bool was_busy = c.busy;
    const std::uint64_t job = c.job;
    if (was_busy) {
      HttpResult r;
      r.status = 0;
      r.body = why;
      done_(job, r, monotonic_ns());
    }
    open(i);
    // An idle connection the server closed (its keep-alive timeout) is in idle_
    // already: listing it again would hand it two requests at once.
    if (was_busy) next(i);
  }

  int ep_;
  sockaddr_in target_;
  std::vector<Conn> conns_;
  std::vector<std::size_t> idle_;
  std::deque<Pending> queue_;
  Done done_;
  Sent sent_;
};

// ---- the run's state ---------------------------------------------------------------

struct ClassState {
  std::uint64_t id = 0;
  std::string token;  // sessions, overrides, subscribers
  std::uint64_t session_id = 0;
  std::string code;
  std::vector<std::uint64_t> students;
  std::vector<std::string> student_tokens;  // checkins
  std::size_t next_student = 0;             // round robin
  std::uint64_t writes_issued = 0;
  std::uint32_t subscribers = 0;
  std::string epoch;
  bool epoch_known = false;
  std::vector<std::pair<std::uint64_t, std::uint64_t>>
      unrecovered;  // seq ranges a fresh snapshot replaced
};

struct Write {
  std::uint32_t cls = 0;
  std::uint64_t student = 0;
  std::uint64_t sent_ns = 0;
  std::uint64_t seq = 0;  // its event's seq, once one subscriber read it
  std::uint32_t delivered = 0;
  std::int16_t status = -1;  // -1 not answered yet, 0 connection failed
};

enum class SubState : std::uint8_t { Waiting, Connecting, Handshake, Hello, Live, Dropped, Failed };

struct Sub {
  int fd = -1;
  std::uint32_t cls = 0;
  SubState state = SubState::Waiting;
  bool has_seq = false;
  std::uint64_t last_seq = 0;
  std::string buf;  // bytes of an incomplete handshake answer or frame
};

struct Counters {
  std::uint64_t writes_sent = 0, writes_acked = 0, write_errors = 0, writes_queued = 0,
                unanswered = 0;
  std::uint64_t deliveries = 0, frames = 0, frames_in_window = 0, unmatched = 0;
  std::uint64_t duplicated = 0, seq_gaps = 0, epoch_changes = 0;
  std::uint64_t connect_errors = 0, handshake_errors = 0, closed_by_server = 0, protocol_errors = 0;
  std::uint64_t connections = 0, recovered = 0, not_recovered = 0, reconnected = 0;
  std::uint64_t outstanding = 0;  // deliveries still expected for acknowledged writes
  std::uint64_t last_delivery_ns = 0;
};

class Load {
 public:
  explicit Load(Options o) : o_(std::move(o)) {
    target_.sin_family = AF_INET;
    target_.sin_port = htons(static_cast<std::uint16_t>(o_.port));
    ::inet_pton(AF_INET, o_.host.c_str(), &target_.sin_addr);
  }
  int run();

 private:
  // setup
  void check_limits();
  void load_roster();
  std::string mint(std::uint64_t user_id, domain::Role role);
  void choose_classes();
  void open_sessions();
  // subscribers
  void start_connects(std::uint64_t now);
  void sub_event(std::uint32_t i, std::uint32_t events, std::uint64_t now);
  bool sub_consume(std::uint32_t i, std::string_view data, std::size_t& used, std::uint64_t now);
  bool sub_text(std::uint32_t i, std::string_view payload, std::uint64_t now);
  void sub_fail(std::uint32_t i, bool by_server, const std::string& why);
  void sub_connected(std::uint32_t i);
  void drop_all(std::uint64_t now);
  // writes
  void pace(std::uint64_t now);
  bool issue_write(std::uint64_t now);
  void write_done(std::uint64_t w, const HttpResult& r, std::uint64_t now);
  void deliver(std::uint32_t sub, std::uint64_t w, std::uint64_t seq, std::uint64_t now);
  // report
  void progress(std::uint64_t now, const char* phase);
  std::uint64_t lost() const;

  Options o_;
  sockaddr_in target_{};
  int ep_ = -1, timer_ = -1;
  std::shared_ptr<const domain::Roster> roster_;
  std::optional<auth::JwtCodec> jwt_;
  std::vector<ClassState> classes_;
  std::vector<Sub> subs_;
  std::deque<std::uint32_t> to_connect_;
  std::uint64_t connecting_ = 0;  // started, no hello yet
  std::uint64_t hello_pending_ =
      0;  // subscribers of the current connect wave without a hello or failure
  std::vector<Write> writes_;
  std::unordered_map<std::uint64_t, std::uint32_t>
      checkin_write_;  // (class index << 40 | student) -> write
  std::unique_ptr<HttpPool> pool_;
  Histogram latency_, write_latency_;
  Counters c_;
  std::string upgrade_tail_;
  bool writing_ = false;
  bool exhausted_ = false;
  std::uint64_t rr_ = 0;  // round robin over the classes
  std::uint64_t write_start_ = 0, write_end_ = 0;
  std::uint64_t prev_frames_ = 0, prev_progress_ = 0;
  int printed_errors_ = 0;
};

void Load::check_limits() {
  // subscribers + write pool + a setup pool of 16 + stdio, epoll, timer and spare.
  const rlim_t need = static_cast<rlim_t>(o_.subscribers + o_.write_conns + 16 + 16);
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < need) {
    rlimit want = rl;
    want.rlim_cur = std::min(need, rl.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &want);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < need) {
    std::fprintf(stderr,
                 "%s: --subscribers %ld does not fit: it needs %llu file descriptors (subscribers "
                 "+ %ld write "
                 "connections + 32) but RLIMIT_NOFILE is %llu (hard limit %llu). Lower "
                 "--subscribers or raise the "
                 "limit (ulimit -n).\n",
                 kProgram, o_.subscribers, static_cast<unsigned long long>(need), o_.write_conns,
                 static_cast<unsigned long long>(rl.rlim_cur),
                 static_cast<unsigned long long>(rl.rlim_max));
    std::exit(2);
  }
  if (o_.server_pid > 0) {
    const long server_limit = read_fd_limit(o_.server_pid);
    if (server_limit > 0 && server_limit < o_.subscribers + o_.write_conns + 64) {
      warn("warning: the server's RLIMIT_NOFILE is " + std::to_string(server_limit) +
           ", less than --subscribers " + std::to_string(o_.subscribers) +
           " + write connections + its own files: expect refused connections");
    }
  }
  // Ephemeral ports: each source address has the local port range once per destination.
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  long lo = 0, hi = 0;
  if (range >> lo >> hi && hi >= lo) {
    const long per_ip = (o_.subscribers + o_.source_ips - 1) / o_.source_ips;
    if (per_ip > hi - lo + 1) {
      std::fprintf(
          stderr,
          "%s: %ld subscribers per source address exceed the %ld ephemeral ports (%ld-%ld, "
          "/proc/sys/net/ipv4/ip_local_port_range): raise --source-ips\n",
          kProgram, per_ip, hi - lo + 1, lo, hi);
      std::exit(2);
    }
  }
}

void Load::load_roster() {
  if (roster_ || o_.data_dir.empty()) return;
  if (sodium_init() < 0) die("libsodium");
  auto roster = wal::read_roster_file(wal::active_roster_path(o_.data_dir));
  if (!roster) die("--data-dir " + o_.data_dir + ": " + roster.error());
  auto secret = auth::load_secret(o_.data_dir + "/jwt.secret");
  if (!secret) die("--data-dir " + o_.data_dir + ": " + secret.error());
  roster_ = *roster;
  jwt_.emplace(auth::derive_key(*secret, "jwt"));
}

std::string Load::mint(std::uint64_t user_id, domain::Role role) {
  load_roster();
  const auto ttl = static_cast<std::int64_t>(o_.duration_s + o_.grace_s) + 3600;
  return jwt_->issue(user_id, role, wall_ms() / 1000, ttl);
}

// Runs `requests` over a small pool of its own; answers in the same order.
std::vector<std::pair<int, std::string>> http_batch(const sockaddr_in& target,
                                                    const std::vector<std::string>& requests,
                                                    std::size_t conns) {
  std::vector<std::pair<int, std::string>> out(requests.size());
  if (requests.empty()) return out;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  {
    HttpPool pool(ep, target, std::min(conns, requests.size()),
                  [&](std::uint64_t job, const HttpResult& r, std::uint64_t) {
                    out[job] = {r.status, std::string(r.body)};
                  });
    for (std::size_t i = 0; i < requests.size(); ++i) pool.submit(i, requests[i]);
    pool.drain();
  }
  ::close(ep);
  return out;
}

void Load::choose_classes() {
  if (o_.token.empty()) {
    load_roster();
    for (const domain::User* u : roster_->users()) {
      if (u->role == domain::Role::Admin) {
        o_.token = mint(u->id.value, u->role);
        break;
      }
    }
    if (o_.token.empty()) die("--data-dir has no admin user to mint a token for: give --token");
  }
  auto list = http_batch(target_, {bench_http::request("GET", "/api/v1/classes", o_.token, "")}, 1);
  if (list[0].first != 200)
    die("GET /api/v1/classes answered " + std::to_string(list[0].first) + ": " + list[0].second);
  const std::vector<std::uint64_t> ids = numbers_after(list[0].second, "\"id\":");
  if (ids.size() < static_cast<std::size_t>(o_.classes)) {
    die("--classes " + std::to_string(o_.classes) + " but the token sees only " +
        std::to_string(ids.size()) + " classes");
  }
  std::vector<std::string> reqs;
  for (long k = 0; k < o_.classes; ++k) {
    ClassState cs;
    cs.id = ids[static_cast<std::size_t>(k)];
    cs.token = o_.token;
    classes_.push_back(std::move(cs));
    reqs.push_back(bench_http::request(
        "GET", "/api/v1/classes/" + std::to_string(ids[static_cast<std::size_t>(k)]), o_.token,
        ""));
  }
  auto details = http_batch(target_, reqs, 16);
  for (std::size_t k = 0; k < classes_.size(); ++k) {
    if (details[k].first != 200) {
      die("GET /api/v1/classes/" + std::to_string(classes_[k].id) + " answered " +
          std::to_string(details[k].first) + ": " + details[k].second);
    }
    const auto at = details[k].second.find("\"students\":[");
    if (at == std::string::npos)
      die("class " + std::to_string(classes_[k].id) + ": no student list (not a teacher's view?)");
    classes_[k].students = numbers_after(details[k].second, "\"id\":", at);
    if (classes_[k].students.empty())
      die("class " + std::to_string(classes_[k].id) + " has no students");
  }
}

void Load::open_sessions() {
  const std::string body = R"({"late_after_minutes":600})";
  std::vector<std::size_t> todo(classes_.size());
  for (std::size_t k = 0; k < todo.size(); ++k) todo[k] = k;
  for (int attempt = 0; attempt < 3 && !todo.empty(); ++attempt) {
    std::vector<std::string> reqs;
    for (const std::size_t k : todo) {
      reqs.push_back(bench_http::request(
          "POST", "/api/v1/classes/" + std::to_string(classes_[k].id) + "/sessions",
          classes_[k].token, body));
    }
    auto answers = http_batch(target_, reqs, 16);
    std::vector<std::size_t> busy, refused;
    for (std::size_t j = 0; j < todo.size(); ++j) {
      ClassState& cs = classes_[todo[j]];
      const auto& [status, text] = answers[j];
      if (status == 201) {
        cs.session_id = number_after(text, "\"id\":").value_or(0);
        cs.code = std::string(string_after(text, "\"verification_code\":\""));
      } else if (status == 409) {
        busy.push_back(todo[j]);
      } else if (status == 403 && cs.token == o_.token && !o_.data_dir.empty()) {
        refused.push_back(todo[j]);
      } else {
        die("POST /api/v1/classes/" + std::to_string(cs.id) + "/sessions answered " +
            std::to_string(status) + ": " + text +
            (status == 403 && o_.data_dir.empty() ? " (give --data-dir to mint the teacher's token)"
                                                  : ""));
      }
    }
    // Refused for the given token: the class's teacher does it.
    if (!refused.empty()) load_roster();
    for (const std::size_t k : refused) {
      const domain::ClassInfo* info = roster_->class_info(domain::ClassId{classes_[k].id});
      if (info == nullptr || info->teachers.empty())
        die("class " + std::to_string(classes_[k].id) + " has no teacher");
      classes_[k].token = mint(info->teachers.front().value, domain::Role::Teacher);
    }
    // Already open: close the open one, then open again.
    std::vector<std::string> current;
    for (const std::size_t k : busy) {
      current.push_back(bench_http::request(
          "GET", "/api/v1/classes/" + std::to_string(classes_[k].id) + "/sessions/current",
          classes_[k].token, ""));
    }
    auto open = http_batch(target_, current, 16);
    std::vector<std::string> closes;
    for (std::size_t j = 0; j < busy.size(); ++j) {
      if (open[j].first != 200) continue;  // closed meanwhile: just open again
      closes.push_back(bench_http::request(
          "POST",
          "/api/v1/sessions/" +
              std::to_string(number_after(open[j].second, "\"id\":").value_or(0)) + "/close",
          classes_[busy[j]].token, ""));
    }
    for (const auto& [status, text] : http_batch(target_, closes, 16)) {
      if (status != 200)
        die("closing an open session answered " + std::to_string(status) + ": " + text);
    }
    todo = busy;
    todo.insert(todo.end(), refused.begin(), refused.end());
  }
  if (!todo.empty())
    die("could not open a session in class " + std::to_string(classes_[todo.front()].id));
  for (const ClassState& cs : classes_) {
    if (cs.session_id == 0)
      die("class " + std::to_string(cs.id) + ": the session answer had no id");
    if (o_.scenario == Scenario::Checkins && cs.code.size() != 6) {
      die("class " + std::to_string(cs.id) + ": the session answer had no verification_code");
    }
  }
}

// ---- subscribers -------------------------------------------------------------------

void Load::start_connects(std::uint64_t now) {
  (void)now;
  while (!to_connect_.empty() && connecting_ < static_cast<std::uint64_t>(o_.connect_window)) {
    const std::uint32_t i = to_connect_.front();
    to_connect_.pop_front();
    Sub& s = subs_[i];
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl(
        0x7f000001u + static_cast<std::uint32_t>(i % static_cast<std::uint32_t>(o_.source_ips)));
    const int fd = start_connect(target_, o_.source_ips > 1 ? &from : nullptr);
    if (fd < 0) {
      ++c_.connect_errors;
      if (printed_errors_++ < 5)
        warn("subscriber " + std::to_string(i) + ": connect: " + std::strerror(-fd));
      s.state = SubState::Failed;
      --hello_pending_;
      continue;
    }
    s.fd = fd;
    s.state = SubState::Connecting;
    s.buf.clear();
    ++connecting_;
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u64 = tag(kSubTag, i);
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }
}

void Load::sub_fail(std::uint32_t i, bool by_server, const std::string& why) {
  Sub& s = subs_[i];
  const SubState was = s.state;
  if (s.fd >= 0) ::close(s.fd);
  s.fd = -1;
  s.state = SubState::Failed;
  std::string().swap(s.buf);
  if (was == SubState::Connecting || was == SubState::Handshake || was == SubState::Hello) {
    --connecting_;
    --hello_pending_;
    if (was == SubState::Connecting) {
      ++c_.connect_errors;
    } else {
      ++c_.handshake_errors;
    }
  } else if (by_server) {
    ++c_.closed_by_server;
  } else {
    ++c_.protocol_errors;
  }
  if (printed_errors_++ < 5)
    warn("subscriber " + std::to_string(i) + " (class " + std::to_string(classes_[s.cls].id) +
         "): " + why);
}

void Load::sub_event(std::uint32_t i, std::uint32_t events, std::uint64_t now) {
  Sub& s = subs_[i];
  if (s.fd < 0) return;
  if (s.state == SubState::Connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      sub_fail(i, true, std::string("connect: ") + std::strerror(err));
      return;
    }
    if (!(events & EPOLLOUT)) return;
    // The upgrade request (small: goes out whole into an empty socket buffer).
    const ClassState& cs = classes_[s.cls];
    std::string req = "GET /ws/attendance/" + std::to_string(cs.id) + "?token=" + cs.token;
    if (s.has_seq && cs.epoch_known)
      req += "&since=" + std::to_string(s.last_seq) + "&epoch=" + cs.epoch;
    req += upgrade_tail_;
    const ssize_t n = ::send(s.fd, req.data(), req.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(req.size())) {
      sub_fail(i, true,
               "sending the upgrade request failed: " +
                   std::string(n < 0 ? std::strerror(errno) : "short send"));
      return;
    }
    s.state = SubState::Handshake;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag(kSubTag, i);
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, s.fd, &ev);
    return;
  }
  static char chunk[1 << 17];
  while (s.fd >= 0) {
    const ssize_t n = ::recv(s.fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      sub_fail(i, true,
               n == 0 ? "closed by the server" : std::string("recv: ") + std::strerror(errno));
      return;
    }
    now = monotonic_ns();  // when this subscriber read these bytes (latency's end)
    const std::string_view data(chunk, static_cast<std::size_t>(n));
    std::size_t used = 0;
    if (s.buf.empty()) {
      if (!sub_consume(i, data, used, now)) return;
      if (used < data.size()) s.buf.assign(data.substr(used));
    } else {
      s.buf.append(data);
      if (!sub_consume(i, s.buf, used, now)) return;
      s.buf.erase(0, used);
      if (s.buf.empty() && s.buf.capacity() > 65536) std::string().swap(s.buf);
    }
    if (static_cast<std::size_t>(n) < sizeof chunk) break;
  }
}

/// Consumes whole pieces of `data` (the handshake answer, frames); false if the
/// subscriber was closed.
bool Load::sub_consume(std::uint32_t i, std::string_view data, std::size_t& used,
                       std::uint64_t now) {
  Sub& s = subs_[i];
  used = 0;
  if (s.state == SubState::Handshake) {
    const auto end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (data.size() > 65536) {
        sub_fail(i, false, "handshake answer without an end");
        return false;
      }
      return true;
    }
    const std::string_view head = data.substr(0, end);
    if (head.rfind("HTTP/1.1 101", 0) != 0 ||
        head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == std::string_view::npos) {
      std::string shown(data.substr(0, std::min<std::size_t>(data.size(), 400)));
      for (char& ch : shown) {
        if (ch == '\r' || ch == '\n') ch = ' ';
      }
      sub_fail(i, true, "handshake refused: " + shown);
      return false;
    }
    used = end + 4;
    s.state = SubState::Hello;
  }
  while (data.size() - used >= 2) {
    const auto* b = reinterpret_cast<const unsigned char*>(data.data() + used);
    std::size_t len = b[1] & 0x7f, header = 2;
    if (b[1] & 0x80) {
      sub_fail(i, false, "a masked frame from the server");
      return false;
    }
    if (len == 126) {
      if (data.size() - used < 4) break;
      len = (static_cast<std::size_t>(b[2]) << 8) | b[3];
      header = 4;
    } else if (len == 127) {
      if (data.size() - used < 10) break;
      len = 0;
      for (int k = 2; k < 10; ++k) len = (len << 8) | b[k];
      header = 10;
    }
    if (data.size() - used < header + len) break;
    const std::string_view payload = data.substr(used + header, len);
    const unsigned opcode = b[0] & 0x0f;
    used += header + len;
    if (!(b[0] & 0x80)) {
      sub_fail(i, false, "a fragmented frame (not expected from this server)");
      return false;
    }
    if (opcode == 0x1) {
      if (!sub_text(i, payload, now)) return false;
    } else if (opcode == 0x8) {
      const unsigned code =
          payload.size() >= 2
              ? (static_cast<unsigned>(static_cast<unsigned char>(payload[0])) << 8) |
                    static_cast<unsigned char>(payload[1])
              : 0;
      sub_fail(i, true, "closed by the server with code " + std::to_string(code));
      return false;
    } else if (opcode == 0x9) {  // ping: a masked pong with the same payload
      if (payload.size() > 125) {
        sub_fail(i, false, "a ping longer than 125 bytes");
        return false;
      }
      std::string pong;
      pong.push_back(static_cast<char>(0x8A));
      pong.push_back(static_cast<char>(0x80 | payload.size()));
      const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
      pong.append(reinterpret_cast<const char*>(mask), 4);
      for (std::size_t k = 0; k < payload.size(); ++k)
        pong.push_back(static_cast<char>(payload[k] ^ mask[k % 4]));
      ::send(s.fd, pong.data(), pong.size(), MSG_NOSIGNAL);
    } else if (opcode != 0xA) {
      sub_fail(i, false, "unexpected opcode " + std::to_string(opcode));
      return false;
    }
  }
  return true;
}

void Load::sub_connected(std::uint32_t i) {
  Sub& s = subs_[i];
  s.state = SubState::Live;
  --connecting_;
  --hello_pending_;
}

bool Load::sub_text(std::uint32_t i, std::string_view pl, std::uint64_t now) {
  Sub& s = subs_[i];
  ClassState& cs = classes_[s.cls];
  constexpr std::string_view kType = R"({"type":")";
  if (pl.substr(0, kType.size()) != kType) {
    sub_fail(i, false, "a frame that does not start with {\"type\":");
    return false;
  }
  const std::string_view type = pl.substr(kType.size(), pl.find('"', kType.size()) - kType.size());
  const auto seq_opt = number_after(pl.substr(0, 200), "\"seq\":");
  if (s.state == SubState::Hello) {
    if (type != "connection_established" || !seq_opt) {
      sub_fail(i, false,
               "the first frame is not a connection_established with a seq: " +
                   std::string(pl.substr(0, 200)));
      return false;
    }
    const std::string_view epoch = string_after(pl.substr(0, 200), "\"epoch\":\"");
    const auto snap = pl.find("\"snapshot\":");
    const bool recovered = pl.substr(0, snap).find("\"recovered\":true") != std::string_view::npos;
    if (!cs.epoch_known) {
      cs.epoch = std::string(epoch);
      cs.epoch_known = true;
    } else if (epoch != cs.epoch) {
      ++c_.epoch_changes;
      cs.epoch = std::string(epoch);
    }
    if (!s.has_seq) {  // first connection
      s.last_seq = *seq_opt;
      s.has_seq = true;
      ++c_.connections;
    } else if (recovered) {  // resumed: the events after since follow
      ++c_.recovered;
      ++c_.reconnected;
      if (*seq_opt < s.last_seq) {
        ++c_.protocol_errors;
        if (printed_errors_++ < 5) warn("a resumed hello's seq is below since");
      }
    } else {  // a fresh snapshot replaced the events since+1 .. seq
      ++c_.not_recovered;
      ++c_.reconnected;
      if (*seq_opt > s.last_seq) cs.unrecovered.emplace_back(s.last_seq + 1, *seq_opt);
      s.last_seq = *seq_opt;
    }
    sub_connected(i);
    return true;
  }
  if (!seq_opt) {
    sub_fail(i, false, "an event without seq");
    return false;
  }
  if (type == "pong") return true;
  const std::uint64_t seq = *seq_opt;
  ++c_.frames;
  if (writing_ && now < write_end_) ++c_.frames_in_window;
  if (seq <= s.last_seq) {
    ++c_.duplicated;
    return true;
  }
  if (seq != s.last_seq + 1) c_.seq_gaps += seq - s.last_seq - 1;
  s.last_seq = seq;
  if (o_.scenario == Scenario::Checkins) {
    if (type != "student_joined") return true;
    const auto student = number_after(pl, "\"student_id\":");
    const auto it = student
                        ? checkin_write_.find((static_cast<std::uint64_t>(s.cls) << 40) | *student)
                        : checkin_write_.end();
    if (it == checkin_write_.end()) {
      ++c_.unmatched;
      return true;
    }
    deliver(i, it->second, seq, now);
  } else {
    if (type != "attendance_update") return true;
    const auto w = number_after(pl, "\"override_reason\":\"rollcall-load #");
    if (!w || *w >= writes_.size()) {
      ++c_.unmatched;
      return true;
    }
    const auto student = number_after(pl, "\"student_id\":");
    if (writes_[*w].cls != s.cls || !student || *student != writes_[*w].student) {
      ++c_.protocol_errors;
      if (printed_errors_++ < 5)
        warn("an attendance_update for another class or student than its write: " +
             std::string(pl));
      return true;
    }
    deliver(i, *w, seq, now);
  }
  return true;
}

void Load::deliver(std::uint32_t /*sub*/, std::uint64_t w, std::uint64_t seq, std::uint64_t now) {
  Write& wr = writes_[w];
  ++wr.delivered;
  wr.seq = seq;
  ++c_.deliveries;
  c_.last_delivery_ns = now;
  latency_.add((now - wr.sent_ns) / 1000);
  if ((wr.status == 200 || wr.status == 201) && wr.delivered <= classes_[wr.cls].subscribers &&
      c_.outstanding > 0) {
    --c_.outstanding;
  }
}

void Load::drop_all(std::uint64_t now) {
  (void)now;
  for (std::uint32_t i = 0; i < subs_.size(); ++i) {
    Sub& s = subs_[i];
    if (s.state != SubState::Live) continue;
    ::close(s.fd);  // also leaves the epoll set
    s.fd = -1;
    s.state = SubState::Dropped;
    std::string().swap(s.buf);
    to_connect_.push_back(i);
    ++hello_pending_;
  }
}

// ---- writes ------------------------------------------------------------------------

bool Load::issue_write(std::uint64_t now) {
  (void)now;
  const std::size_t n = classes_.size();
  for (std::size_t tries = 0; tries < n; ++tries) {
    const auto k = static_cast<std::uint32_t>(rr_++ % n);
    ClassState& cs = classes_[k];
    const std::uint64_t id = writes_.size();
    Write w;
    w.cls = k;
    std::string req;
    if (o_.scenario == Scenario::Checkins) {
      if (cs.next_student >= cs.students.size())
        continue;  // every student of this class checked in
      const std::size_t si = cs.next_student++;
      w.student = cs.students[si];
      req = bench_http::request("POST", "/api/v1/attendance/check-in", cs.student_tokens[si],
                                R"({"method":"verification_code","class_id":)" +
                                    std::to_string(cs.id) + R"(,"code":")" + cs.code + "\"}");
      checkin_write_[(static_cast<std::uint64_t>(k) << 40) | w.student] =
          static_cast<std::uint32_t>(id);
    } else {
      // Round robin over the class's students: a student is written again only after
      // a full round; the status toggles every round, so every write is a change.
      const std::size_t si = cs.next_student % cs.students.size();
      const bool odd_round = (cs.next_student / cs.students.size()) % 2 == 1;
      ++cs.next_student;
      w.student = cs.students[si];
      req = bench_http::request("PUT",
                                "/api/v1/sessions/" + std::to_string(cs.session_id) +
                                    "/attendance/" + std::to_string(w.student),
                                cs.token,
                                std::string(R"({"status":")") + (odd_round ? "absent" : "excused") +
                                    R"(","reason":")" + kReasonPrefix + std::to_string(id) + "\"}");
    }
    ++cs.writes_issued;
    ++c_.writes_sent;
    writes_.push_back(w);
    if (!pool_->submit(id, std::move(req))) ++c_.writes_queued;
    return true;
  }
  return false;
}

void Load::pace(std::uint64_t now) {
  if (!writing_ || exhausted_ || now >= write_end_) return;
  const auto due =
      static_cast<std::uint64_t>(static_cast<double>(now - write_start_) * o_.writes_per_s / 1e9) +
      1;
  while (writes_.size() < due) {
    if (!issue_write(now)) {
      exhausted_ = true;
      warn("every student of the " + std::to_string(classes_.size()) +
           " classes has checked in after " + std::to_string(writes_.size()) +
           " check-ins: no more writes (use larger classes for longer runs)");
      return;
    }
  }
}

void Load::write_done(std::uint64_t w, const HttpResult& r, std::uint64_t now) {
  Write& wr = writes_[w];
  wr.status = static_cast<std::int16_t>(r.status);
  write_latency_.add((now - wr.sent_ns) / 1000);
  const int ok = o_.scenario == Scenario::Checkins ? 201 : 200;
  if (r.status == ok) {
    ++c_.writes_acked;
    const std::uint32_t expected = classes_[wr.cls].subscribers;
    if (wr.delivered < expected) c_.outstanding += expected - wr.delivered;
    return;
  }
  ++c_.write_errors;
  if (printed_errors_++ < 5) {
    warn("write " + std::to_string(w) + " answered " +
         (r.status == 0 ? std::string("nothing") : std::to_string(r.status)) + ": " +
         std::string(r.body.substr(0, 300)));
  }
}

std::uint64_t Load::lost() const {
  std::uint64_t lost = 0;
  for (const Write& w : writes_) {
    if (w.status != 200 && w.status != 201) continue;
    const ClassState& cs = classes_[w.cls];
    std::uint64_t expected = cs.subscribers;
    if (w.seq != 0) {
      for (const auto& [lo, hi] : cs.unrecovered) {
        if (w.seq >= lo && w.seq <= hi && expected > 0) --expected;
      }
    }
    if (w.delivered < expected) lost += expected - w.delivered;
  }
  return lost;
}

void Load::progress(std::uint64_t now, const char* phase) {
  const double t = static_cast<double>(now - prev_progress_) / 1e9;
  std::uint64_t live = 0;
  for (const Sub& s : subs_) live += s.state == SubState::Live ? 1 : 0;
  std::fprintf(stderr,
               "%s: %-10s live=%llu/%zu writes issued=%llu acked=%llu err=%llu queued=%zu "
               "deliveries=%llu pending=%llu "
               "frames/s=%.0f closed=%llu cpu=%.2fs\n",
               kProgram, phase, static_cast<unsigned long long>(live), subs_.size(),
               static_cast<unsigned long long>(c_.writes_sent),
               static_cast<unsigned long long>(c_.writes_acked),
               static_cast<unsigned long long>(c_.write_errors), pool_ ? pool_->queued() : 0,
               static_cast<unsigned long long>(c_.deliveries),
               static_cast<unsigned long long>(c_.outstanding),
               t > 0 ? static_cast<double>(c_.frames - prev_frames_) / t : 0.0,
               static_cast<unsigned long long>(c_.closed_by_server), cpu_seconds());
  prev_frames_ = c_.frames;
  prev_progress_ = now;
}

int Load::run() {
  ::signal(SIGPIPE, SIG_IGN);
  check_limits();
  choose_classes();
  open_sessions();
  if (o_.scenario == Scenario::Checkins) {
    load_roster();
    for (ClassState& cs : classes_) {
      for (const std::uint64_t st : cs.students)
        cs.student_tokens.push_back(mint(st, domain::Role::Student));
    }
  }
  std::fprintf(stderr, "%s: %zu sessions open; connecting %ld subscribers\n", kProgram,
               classes_.size(), o_.subscribers);

  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  itimerspec its{};
  its.it_interval.tv_nsec = 1000000;
  its.it_value.tv_nsec = 1000000;
  ::timerfd_settime(timer_, 0, &its, nullptr);
  epoll_event tev{};
  tev.events = EPOLLIN;
  tev.data.u64 = tag(kTimerTag, 0);
  ::epoll_ctl(ep_, EPOLL_CTL_ADD, timer_, &tev);

  upgrade_tail_ = " HTTP/1.1\r\nHost: " + o_.host + ":" + std::to_string(o_.port) +
                  "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  subs_.resize(static_cast<std::size_t>(o_.subscribers));
  for (std::uint32_t i = 0; i < subs_.size(); ++i) {
    subs_[i].cls = static_cast<std::uint32_t>(i % classes_.size());
    ++classes_[subs_[i].cls].subscribers;
    to_connect_.push_back(i);
  }
  hello_pending_ = subs_.size();
  writes_.reserve(static_cast<std::size_t>(o_.writes_per_s * o_.duration_s * 1.05) + 16);

  const long rss_before = read_rss_kb(o_.server_pid);
  const std::uint64_t connect_start = monotonic_ns();
  std::uint64_t connect_end = 0, storm_start = 0, storm_end = 0, deadline = 0;
  long rss_connected = -1;
  enum class Phase { Connecting, Writing, Storm, Draining, Done } phase = Phase::Connecting;
  bool stormed = false;
  prev_progress_ = connect_start;
  std::uint64_t next_progress = connect_start + 1000000000ull;
  std::vector<epoll_event> ready(4096);

  start_connects(connect_start);
  while (phase != Phase::Done) {
    const int n = ::epoll_wait(ep_, ready.data(), static_cast<int>(ready.size()), 100);
    std::uint64_t now = monotonic_ns();
    for (int k = 0; k < n; ++k) {
      const epoll_event& ev = ready[static_cast<std::size_t>(k)];
      const std::uint64_t kind = ev.data.u64 >> 32;
      const auto index = static_cast<std::uint32_t>(ev.data.u64 & 0xffffffffu);
      if (kind == kSubTag) {
        sub_event(index, ev.events, now);
      } else if (kind == kPoolTag) {
        pool_->on_event(index, ev.events);
      } else {
        std::uint64_t ticks = 0;
        (void)!::read(timer_, &ticks, sizeof ticks);
      }
    }
    now = monotonic_ns();
    start_connects(now);
    if (phase == Phase::Connecting && hello_pending_ == 0) {
      connect_end = now;
      rss_connected = read_rss_kb(o_.server_pid);
      std::fprintf(stderr, "%s: %llu of %zu subscribers connected in %.2f s\n", kProgram,
                   static_cast<unsigned long long>(c_.connections), subs_.size(),
                   static_cast<double>(connect_end - connect_start) / 1e9);
      if (o_.writes_per_s > 0 && o_.duration_s > 0) {
        pool_ = std::make_unique<HttpPool>(
            ep_, target_, static_cast<std::size_t>(o_.write_conns),
            [this](std::uint64_t job, const HttpResult& r, std::uint64_t t) {
              write_done(job, r, t);
            },
            [this](std::uint64_t job, std::uint64_t t) { writes_[job].sent_ns = t; });
        now = monotonic_ns();
        write_start_ = now;
        write_end_ = now + static_cast<std::uint64_t>(o_.duration_s * 1e9);
        writing_ = true;
        phase = Phase::Writing;
      } else {
        write_start_ = write_end_ = now;
        phase = Phase::Draining;
      }
      deadline = write_end_ + static_cast<std::uint64_t>(o_.grace_s * 1e9);
    }
    if (phase == Phase::Writing || phase == Phase::Storm) pace(now);
    if (phase == Phase::Writing && o_.scenario == Scenario::ReconnectStorm && !stormed &&
        now >= write_start_ + static_cast<std::uint64_t>(o_.storm_after_s * 1e9)) {
      stormed = true;
      std::fprintf(stderr, "%s: dropping every subscriber\n", kProgram);
      storm_start = now;
      drop_all(now);
      start_connects(now);
      phase = Phase::Storm;
    }
    if (phase == Phase::Storm && hello_pending_ == 0 && to_connect_.empty()) {
      storm_end = now;
      std::fprintf(stderr, "%s: every subscriber reconnected in %.2f s\n", kProgram,
                   static_cast<double>(storm_end - storm_start) / 1e9);
      phase = Phase::Writing;
    }
    if (phase == Phase::Writing && now >= write_end_) phase = Phase::Draining;
    if (phase == Phase::Storm && now >= deadline)
      phase = Phase::Draining;  // the storm outlived the grace period
    if (phase == Phase::Draining) {
      const bool answered = !pool_ || pool_->idle();
      if ((answered && c_.outstanding == 0 && hello_pending_ == 0) || now >= deadline)
        phase = Phase::Done;
    }
    if (now >= next_progress) {
      const char* names[] = {"connecting", "writing", "storm", "draining", "done"};
      progress(now, names[static_cast<int>(phase)]);
      next_progress += 1000000000ull;
    }
  }
  const std::uint64_t end = monotonic_ns();
  if (pool_) {
    c_.unanswered = pool_->in_flight() + pool_->queued();
  }
  if (stormed && storm_end == 0) {
    warn("not every subscriber reconnected before the grace period ended: " +
         std::to_string(hello_pending_) + " still without a connection_established");
  }
  const long rss_end = read_rss_kb(o_.server_pid);
  for (Sub& s : subs_) {
    if (s.fd >= 0) ::close(s.fd);
    s.fd = -1;
  }
  pool_.reset();
  const long rss_after = rss_after_leaving(target_, o_.server_pid, o_.settle_s);
  const std::uint64_t lost_n = lost();
  const std::uint64_t errors = c_.write_errors + c_.unanswered + c_.connect_errors +
                               c_.handshake_errors + c_.closed_by_server + c_.protocol_errors +
                               c_.seq_gaps + c_.epoch_changes +
                               (stormed && storm_end == 0 ? hello_pending_ : 0);
  const double write_s = static_cast<double>(write_end_ - write_start_) / 1e9;
  const double delivery_s =
      std::max(write_s, c_.last_delivery_ns > write_start_
                            ? static_cast<double>(c_.last_delivery_ns - write_start_) / 1e9
                            : 0.0);
  const double connect_s =
      connect_end > 0 ? static_cast<double>(connect_end - connect_start) / 1e9 : 0.0;
  auto per_s = [](double n, double s) { return s > 0 ? n / s : 0.0; };
  std::string extra;
  char b[512];
  if (o_.scenario == Scenario::Checkins)
    extra += exhausted_ ? ",\"students_exhausted\":true" : ",\"students_exhausted\":false";
  if (o_.scenario == Scenario::ReconnectStorm) {
    std::snprintf(
        b, sizeof b,
        ",\"reconnect_s\":%.3f,\"reconnected\":%llu,\"recovered\":%llu,\"not_recovered\":%llu",
        storm_end > 0 ? static_cast<double>(storm_end - storm_start) / 1e9 : -1.0,
        static_cast<unsigned long long>(c_.reconnected),
        static_cast<unsigned long long>(c_.recovered),
        static_cast<unsigned long long>(c_.not_recovered));
    extra += b;
  }
  const long rss_per_conn =
      rss_before > 0 && rss_connected > 0 && c_.connections > 0
          ? (rss_connected - rss_before) * 1024 / static_cast<long>(c_.connections)
          : -1;
  std::printf(
      "{\"scenario\":\"%s\",\"classes\":%zu,\"subscribers\":%zu,\"connections\":%llu,\"connect_s\":"
      "%.3f,"
      "\"connects_per_s\":%.0f,\"writes\":%llu,\"writes_sent\":%llu,\"writes_per_s\":%.1f,\"writes_"
      "queued\":%llu,"
      "\"write_latency_ms\":%s,\"deliveries\":%llu,\"deliveries_per_s\":%.0f,\"frames\":%llu,"
      "\"frames_per_s\":%.0f,"
      "\"lost\":%llu,\"duplicated\":%llu,\"seq_gaps\":%llu,\"latency_ms\":%s,\"server_rss_kb\":%ld,"
      "\"server_rss_before_kb\":%ld,\"server_rss_connected_kb\":%ld,\"rss_per_conn_bytes\":%ld,"
      "\"server_rss_after_kb\":%ld,"
      "\"errors\":%llu,"
      "\"write_errors\":%llu,\"unanswered_writes\":%llu,\"connect_errors\":%llu,\"handshake_"
      "errors\":%llu,"
      "\"closed_by_server\":%llu,\"protocol_errors\":%llu,\"unmatched_events\":%llu,\"epoch_"
      "changes\":%llu,"
      "\"write_s\":%.3f,\"run_s\":%.3f,\"load_cpu_s\":%.3f%s}\n",
      scenario_name(o_.scenario), classes_.size(), subs_.size(),
      static_cast<unsigned long long>(c_.connections), connect_s,
      per_s(static_cast<double>(c_.connections), connect_s),
      static_cast<unsigned long long>(c_.writes_acked),
      static_cast<unsigned long long>(c_.writes_sent),
      per_s(static_cast<double>(c_.writes_acked), write_s),
      static_cast<unsigned long long>(c_.writes_queued), write_latency_.json().c_str(),
      static_cast<unsigned long long>(c_.deliveries),
      per_s(static_cast<double>(c_.deliveries), delivery_s),
      static_cast<unsigned long long>(c_.frames),
      per_s(static_cast<double>(c_.frames_in_window), write_s),
      static_cast<unsigned long long>(lost_n), static_cast<unsigned long long>(c_.duplicated),
      static_cast<unsigned long long>(c_.seq_gaps), latency_.json().c_str(), rss_end, rss_before,
      rss_connected, rss_per_conn, rss_after, static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(c_.write_errors),
      static_cast<unsigned long long>(c_.unanswered),
      static_cast<unsigned long long>(c_.connect_errors),
      static_cast<unsigned long long>(c_.handshake_errors),
      static_cast<unsigned long long>(c_.closed_by_server),
      static_cast<unsigned long long>(c_.protocol_errors),
      static_cast<unsigned long long>(c_.unmatched),
      static_cast<unsigned long long>(c_.epoch_changes), write_s,
      static_cast<double>(end - connect_start) / 1e9, cpu_seconds(), extra.c_str());
  std::fflush(stdout);
  return errors == 0 && lost_n == 0 && c_.duplicated == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Load load(parse_options(argc, argv));
  return load.run();
}

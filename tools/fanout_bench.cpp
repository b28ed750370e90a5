// rollcall-fanout-bench: live-update fan-out over real sockets.
//
//   rollcall-fanout-bench --target 127.0.0.1:PORT --data-dir DIR [--class 1]
//                         [--subscribers 1000] [--publishers 8] [--window 32]
//                         [--warmup-s 1] [--duration-s 5]
//
// Opens --subscribers WebSockets on /ws/attendance/CLASS with the class teacher's
// token (teachers get every event), opens a session, then has --publishers
// keep-alive connections send teacher overrides (PUT .../attendance/{student}) as
// fast as the subscribers take them: a new override goes out only while fewer than
// --window overrides are not yet delivered to every subscriber (so the benchmark
// measures delivery, not the slow-consumer limit). Each override publishes two
// events (attendance_update, attendance_state_changed): each reaches every
// subscriber as one frame.
//
// Latency is end to end, per delivered attendance_update frame: from the moment
// its override request was written to the moment that subscriber read the frame
// (group commit fdatasync, owner apply, ring publish, fan-out, TCP, this client).
// Students are overridden round robin, so the student id in a frame names the
// request it came from.
//
// One thread, epoll; prints one JSON line: frames, frames_per_s, events_per_s,
// mbytes_per_s, overrides, closed (subscribers the server closed), and latency_ms
// {p50, p99, p999, max}.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
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
  std::uint64_t class_id = 1;
  int subscribers = 1000;
  int publishers = 8;
  int window = 32;
  double warmup_s = 1;
  double duration_s = 5;
};

constexpr const char* kProgram = "rollcall-fanout-bench";

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

void send_all(int fd, const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) continue;  // publishers' requests are small; rare
    if (n <= 0) die("send failed: " + std::string(std::strerror(errno)));
    off += static_cast<std::size_t>(n);
  }
}

std::uint64_t number_after(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return 0;
  std::uint64_t n = 0;
  for (std::size_t i = at + key.size(); i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return n;
}

struct Subscriber {
  int fd = -1;
  std::string buf;
  std::size_t off = 0;
  std::uint64_t updates = 0;  // attendance_update frames read
  bool closed = false;
};

struct Publisher {
  int fd = -1;
  std::string buf;
  bool in_flight = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::puts(
          "usage: rollcall-fanout-bench --target HOST:PORT --data-dir DIR [--class N] "
          "[--subscribers N]\n"
          "       [--publishers N] [--window N] [--warmup-s S] [--duration-s S]   (see "
          "tools/fanout_bench.cpp)");
      return 0;
    }
    if (i + 1 >= argc) die("missing value for " + flag);
    const std::string value = argv[i + 1];
    if (flag == "--target") {
      const auto colon = value.rfind(':');
      o.host = value.substr(0, colon);
      o.port = std::atoi(value.c_str() + colon + 1);
    } else if (flag == "--data-dir") {
      o.data_dir = value;
    } else if (flag == "--class") {
      o.class_id = std::stoull(value);
    } else if (flag == "--subscribers") {
      o.subscribers = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--publishers") {
      o.publishers = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--window") {
      o.window = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--warmup-s") {
      o.warmup_s = std::atof(value.c_str());
    } else if (flag == "--duration-s") {
      o.duration_s = std::atof(value.c_str());
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
  const domain::ClassInfo* cls = (*roster)->class_info(domain::ClassId{o.class_id});
  if (cls == nullptr || cls->teachers.empty() || cls->students.empty())
    die("no such class with a teacher and students");
  const domain::User* teacher = (*roster)->user(cls->teachers.front());
  const std::string token = jwt.issue(teacher->id.value, teacher->role, wall_ms() / 1000, 3600);
  const std::string cid = std::to_string(o.class_id);
  // A student is overridden again only after the whole class: at most `window`
  // overrides are undelivered, so the student id names one request.
  if (static_cast<std::size_t>(o.window) >= cls->students.size()) {
    die("--window must be smaller than the class (" + std::to_string(cls->students.size()) +
        " students)");
  }

  // A fresh session (closing a leftover one).
  const int setup = connect_to(o);
  std::string setup_buf, reply;
  for (int attempt = 0; attempt < 2; ++attempt) {
    send_all(setup, request("POST", "/api/v1/classes/" + cid + "/sessions", token, "{}"));
    reply = read_response(setup, setup_buf);
    if (status_of(reply) != 409) break;
    send_all(setup, request("GET", "/api/v1/classes/" + cid + "/sessions/current", token, ""));
    const std::string sid =
        std::to_string(number_after(read_response(setup, setup_buf), "\"id\":"));
    send_all(setup, request("POST", "/api/v1/sessions/" + sid + "/close", token, ""));
    read_response(setup, setup_buf);
  }
  if (status_of(reply) != 201) die("could not open a session: " + reply);
  const std::string sid = std::to_string(number_after(reply, "\"id\":"));
  ::close(setup);

  // Subscribers: handshake (blocking), then non-blocking under epoll.
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Subscriber> subs(static_cast<std::size_t>(o.subscribers));
  const std::string upgrade =
      "GET /ws/attendance/" + cid + "?token=" + token +
      " HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  for (std::size_t i = 0; i < subs.size(); ++i) {
    Subscriber& s = subs[i];
    s.fd = connect_to(o);
    send_all(s.fd, upgrade);
    while (s.buf.find("\r\n\r\n") == std::string::npos) {
      char chunk[4096];
      const ssize_t n = ::recv(s.fd, chunk, sizeof chunk, 0);
      if (n <= 0)
        die("subscriber " + std::to_string(i) + ": connection closed during the handshake");
      s.buf.append(chunk, static_cast<std::size_t>(n));
    }
    if (s.buf.compare(0, 12, "HTTP/1.1 101") != 0)
      die("handshake refused: " + s.buf.substr(0, s.buf.find('\r')));
    s.buf.erase(0, s.buf.find("\r\n\r\n") + 4);
    ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, s.fd, &ev);
  }
  std::vector<Publisher> pubs(static_cast<std::size_t>(o.publishers));
  for (std::size_t i = 0; i < pubs.size(); ++i) {
    pubs[i].fd = connect_to(o);
    ::fcntl(pubs[i].fd, F_SETFL, ::fcntl(pubs[i].fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = (1ull << 32) | i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, pubs[i].fd, &ev);
  }

  // Which request a frame came from: the student it names (round robin over the class).
  std::uint64_t max_id = 0;
  for (const domain::UserId u : cls->students) max_id = std::max(max_id, u.value);
  std::vector<std::uint64_t> sent_ns(max_id + 1, 0);
  std::uint64_t overrides_sent = 0, overrides_answered = 0, errors = 0;
  const std::uint64_t start = monotonic_ns();
  const std::uint64_t measure_from = start + static_cast<std::uint64_t>(o.warmup_s * 1e9);
  const std::uint64_t end = measure_from + static_cast<std::uint64_t>(o.duration_s * 1e9);
  std::uint64_t frames = 0, bytes = 0, closed = 0;
  std::uint64_t overrides_at_measure = 0, overrides_at_end = 0;
  std::vector<std::uint32_t> latencies_us;
  latencies_us.reserve(static_cast<std::size_t>(o.duration_s * 1e6));

  auto min_delivered = [&] {
    std::uint64_t m = ~0ull;
    for (const Subscriber& s : subs) {
      if (!s.closed) m = std::min(m, s.updates);
    }
    return m == ~0ull ? overrides_sent : m;
  };
  auto issue = [&](Publisher& p) {
    const domain::UserId student = cls->students[overrides_sent % cls->students.size()];
    const bool odd_round = (overrides_sent / cls->students.size()) % 2 == 1;
    const std::string body = std::string(R"({"status":")") + (odd_round ? "absent" : "excused") +
                             R"(","reason":"fan-out benchmark"})";
    sent_ns[student.value] = monotonic_ns();
    send_all(
        p.fd,
        request("PUT", "/api/v1/sessions/" + sid + "/attendance/" + std::to_string(student.value),
                token, body));
    p.in_flight = true;
    ++overrides_sent;
  };

  std::vector<epoll_event> ready(1024);
  char chunk[1 << 16];
  bool measuring = false;
  while (true) {
    const std::uint64_t now = monotonic_ns();
    if (!measuring && now >= measure_from) {
      measuring = true;
      overrides_at_measure = overrides_answered;
    }
    if (now >= end) break;
    const std::uint64_t delivered = min_delivered();
    for (Publisher& p : pubs) {
      if (!p.in_flight && overrides_sent - delivered < static_cast<std::uint64_t>(o.window))
        issue(p);
    }
    const int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 100);
    for (int k = 0; k < n; ++k) {
      const std::uint64_t tag = ready[static_cast<std::size_t>(k)].data.u64;
      if ((tag >> 32) != 0) {  // a publisher's answer
        Publisher& p = pubs[tag & 0xffffffffu];
        const ssize_t got = ::recv(p.fd, chunk, sizeof chunk, 0);
        if (got <= 0) die("a publisher connection was closed by the server");
        p.buf.append(chunk, static_cast<std::size_t>(got));
        const auto head_end = p.buf.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        const std::size_t len =
            number_after(std::string_view(p.buf).substr(0, head_end), "Content-Length: ");
        if (p.buf.size() < head_end + 4 + len) continue;
        if (status_of(p.buf) != 200) ++errors;
        p.buf.erase(0, head_end + 4 + len);
        p.in_flight = false;
        ++overrides_answered;
        continue;
      }
      Subscriber& s = subs[tag];
      while (true) {
        const ssize_t got = ::recv(s.fd, chunk, sizeof chunk, 0);
        if (got < 0 && errno == EAGAIN) break;
        if (got <= 0) {
          if (!s.closed) ++closed;
          s.closed = true;
          ::epoll_ctl(ep, EPOLL_CTL_DEL, s.fd, nullptr);
          break;
        }
        s.buf.append(chunk, static_cast<std::size_t>(got));
        if (static_cast<std::size_t>(got) < sizeof chunk) break;
      }
      const std::uint64_t read_at = monotonic_ns();
      // Whole frames (server frames are unmasked).
      while (s.buf.size() - s.off >= 2) {
        const auto* b = reinterpret_cast<const unsigned char*>(s.buf.data() + s.off);
        std::size_t len = b[1] & 0x7f, header = 2;
        if (len == 126) {
          if (s.buf.size() - s.off < 4) break;
          len = (static_cast<std::size_t>(b[2]) << 8) | b[3];
          header = 4;
        } else if (len == 127) {
          if (s.buf.size() - s.off < 10) break;
          len = 0;
          for (int i = 2; i < 10; ++i) len = (len << 8) | b[i];
          header = 10;
        }
        if (s.buf.size() - s.off < header + len) break;
        const std::string_view payload(s.buf.data() + s.off + header, len);
        const unsigned opcode = b[0] & 0x0f;
        if (opcode == 0x8) {  // the server closed us (1013: too slow)
          if (!s.closed) ++closed;
          s.closed = true;
        } else if (opcode == 0x1) {
          const bool update = payload.compare(0, 27, R"({"type":"attendance_update")") == 0;
          if (update) ++s.updates;
          if (measuring && read_at < end) {
            ++frames;
            bytes += header + len;
            if (update) {
              const std::uint64_t student = number_after(payload, R"("student_id":)");
              if (student <= max_id && sent_ns[student] != 0) {
                latencies_us.push_back(
                    static_cast<std::uint32_t>((read_at - sent_ns[student]) / 1000));
              }
            }
          }
        }
        s.off += header + len;
      }
      if (s.off > (1u << 16) || s.off == s.buf.size()) {
        s.buf.erase(0, s.off);
        s.off = 0;
      }
    }
  }
  overrides_at_end = overrides_answered;
  const double seconds = o.duration_s;
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    if (latencies_us.empty()) return 0.0;
    return latencies_us[static_cast<std::size_t>(p *
                                                 static_cast<double>(latencies_us.size() - 1))] /
           1000.0;
  };
  std::printf(
      "{\"subscribers\":%d,\"publishers\":%d,\"window\":%d,\"seconds\":%.1f,\"frames\":%llu,"
      "\"frames_per_s\":%.0f,"
      "\"events_per_s\":%.0f,\"mbytes_per_s\":%.1f,\"overrides\":%llu,\"errors\":%llu,\"closed\":%"
      "llu,"
      "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}}\n",
      o.subscribers, o.publishers, o.window, seconds, static_cast<unsigned long long>(frames),
      static_cast<double>(frames) / seconds,
      2.0 * static_cast<double>(overrides_at_end - overrides_at_measure) / seconds,
      static_cast<double>(bytes) / seconds / 1e6,
      static_cast<unsigned long long>(overrides_at_end - overrides_at_measure),
      static_cast<unsigned long long>(errors), static_cast<unsigned long long>(closed), pct(0.5),
      pct(0.99), pct(0.999), latencies_us.empty() ? 0.0 : latencies_us.back() / 1000.0);
  for (const Subscriber& s : subs) ::close(s.fd);
  for (const Publisher& p : pubs) ::close(p.fd);
  return errors == 0 && closed == 0 ? 0 : 1;
}

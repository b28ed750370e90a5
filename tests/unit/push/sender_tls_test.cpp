// The sender over HTTPS: a push service on loopback whose certificate (made at
// test time by the openssl command) only --push-ca-file vouches for. One service
// is a few lines of Python (its http.server and ssl modules, HTTP/1.1); the other
// (h2_push_service.py, python3-h2) speaks only HTTP/2, as the big push services do.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/common/clock.hpp"
#include "rollcall/push/sender.hpp"

namespace rollcall::push {
namespace {

constexpr const char* kService = R"(
import http.server, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
)";

constexpr const char* kH2Service = ROLLCALL_TESTDATA_DIR "/../unit/push/h2_push_service.py";

class PushSenderTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/openssl", X_OK) != 0 || access("/usr/bin/python3", X_OK) != 0) {
      GTEST_SKIP() << "needs /usr/bin/openssl and /usr/bin/python3";
    }
    make_certificate();
    start_service({"-c", kService});
  }

  void make_certificate() {
    char pattern[] = "/tmp/rollcall-tls-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    const std::string make_cert =
        "/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir_ + "/key.pem -out " + dir_ + "/cert.pem 2>/dev/null";
    ASSERT_EQ(std::system(make_cert.c_str()), 0);
  }

  void TearDown() override {
    stop_service();
    if (!dir_.empty()) {
      unlink((dir_ + "/key.pem").c_str());
      unlink((dir_ + "/cert.pem").c_str());
      rmdir(dir_.c_str());
    }
  }

  /// Starts /usr/bin/python3 with `args`, then the certificate and key paths and
  /// `extra`; reads the port it prints.
  void start_service(std::vector<std::string> args, std::vector<std::string> extra = {}) {
    args.push_back(dir_ + "/cert.pem");
    args.push_back(dir_ + "/key.pem");
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv{const_cast<char*>("python3")};
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      execv("/usr/bin/python3", argv.data());
      _exit(127);
    }
    close(out[1]);
    lines_ = fdopen(out[0], "r");
    ASSERT_NE(lines_, nullptr);
    unsigned port = 0;
    ASSERT_EQ(std::fscanf(lines_, "%u", &port), 1);  // blocks until the service listens
    port_ = port;
  }

  /// Stops the service; returns the lines it printed after its port.
  std::vector<std::string> stop_service() {
    std::vector<std::string> printed;
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (lines_ == nullptr) return printed;
    char line[4096];
    while (std::fgets(line, sizeof line, lines_) != nullptr) {
      std::string_view l(line);
      while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
      if (!l.empty()) printed.emplace_back(l);
    }
    std::fclose(lines_);
    lines_ = nullptr;
    return printed;
  }

  struct Reported {
    std::uint64_t subscription_id;
    Outcome outcome;
    int status;
    bool operator==(const Reported&) const = default;
  };

  /// A delivery of `body` to `path` on the service.
  Delivery delivery(std::uint64_t subscription_id, const std::string& path) const {
    Delivery d;
    d.subscription_id = subscription_id;
    d.endpoint = "https://127.0.0.1:" + std::to_string(port_) + path;
    d.host = "127.0.0.1";
    d.authorization = "vapid t=a.b.c, k=d";
    d.body = "ciphertext";
    d.event_ms = wall_ms();
    return d;
  }

  /// Submits `all` and drives the sender until each is reported (20 s at most).
  std::vector<Reported> send_all(SenderConfig c, const std::vector<Delivery>& all) {
    std::vector<Reported> got;
    Result<std::unique_ptr<Sender>> made = Sender::create(
        std::move(c),
        [&](const Delivery& d, Outcome o, int s) {
          got.push_back({d.subscription_id, o, s});
        },
        metrics_);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error());
    if (!made.ok()) return got;
    for (const Delivery& d : all) EXPECT_TRUE(made.value()->submit(d));
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (got.size() < all.size() && std::chrono::steady_clock::now() < end) {
      made.value()->run_once(50);
    }
    EXPECT_EQ(got.size(), all.size());
    return got;
  }

  std::pair<Outcome, int> send_one(SenderConfig c) {
    const std::vector<Reported> got = send_all(std::move(c), {delivery(1, "/push/1")});
    return got.empty() ? std::pair{Outcome::Dropped, -1} : std::pair{got[0].outcome, got[0].status};
  }

  SenderConfig config() const {
    SenderConfig c;
    c.allow_private = true;  // the service is on loopback
    c.proxy = ProxyEnv{};
    c.retries_max = 0;
    return c;
  }

  std::string dir_;
  pid_t pid_ = -1;
  FILE* lines_ = nullptr;
  unsigned port_ = 0;
  SenderMetrics metrics_;
};

TEST_F(PushSenderTls, TrustsAServiceTheCaFileVouchesFor) {
  SenderConfig c = config();
  c.ca_file = dir_ + "/cert.pem";
  EXPECT_EQ(send_one(c), (std::pair{Outcome::Delivered, 201}));
  EXPECT_EQ(metrics_.sent.get(), 1u);
}

TEST_F(PushSenderTls, RefusesItWithoutTheCaFile) {
  EXPECT_EQ(send_one(config()), (std::pair{Outcome::GaveUp, 0}));
  EXPECT_EQ(metrics_.failed[static_cast<unsigned>(FailureReason::Tls)].get(), 1u);
  EXPECT_EQ(metrics_.sent.get(), 0u);
}

class PushSenderHttp2 : public PushSenderTls {
 protected:
  void SetUp() override {
    if (access("/usr/bin/openssl", X_OK) != 0 ||
        std::system("/usr/bin/python3 -c 'import h2' 2>/dev/null") != 0) {
      GTEST_SKIP() << "needs /usr/bin/openssl and python3-h2";
    }
    make_certificate();
  }

  SenderConfig trusting() const {
    SenderConfig c = config();
    c.ca_file = dir_ + "/cert.pem";
    return c;
  }

  static std::size_t count_starting(const std::vector<std::string>& lines, std::string_view start) {
    std::size_t n = 0;
    for (const std::string& l : lines) n += l.starts_with(start) ? 1 : 0;
    return n;
  }
};

// The service answers nothing until 8 requests wait on one connection (or 3 s
// passed): one batch of 8 means they were in flight together on one connection.
TEST_F(PushSenderHttp2, MultiplexesRequestsToOneHostOnOneConnection) {
  start_service({kH2Service}, {"8"});
  std::vector<Delivery> all;
  for (std::uint64_t id = 1; id <= 8; ++id) {
    all.push_back(delivery(id, "/push/" + std::to_string(id)));
    all.back().urgency = "high";
    all.back().topic = "session_opened-7";
  }
  const std::vector<Reported> got = send_all(trusting(), all);
  for (const Reported& r : got)
    EXPECT_EQ(std::pair(r.outcome, r.status), std::pair(Outcome::Delivered, 201));
  const std::vector<std::string> lines = stop_service();
  EXPECT_EQ(count_starting(lines, "batch "), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(count_starting(lines, "batch conn=1 alpn=h2 streams=8"), 1u)
      << ::testing::PrintToString(lines);
  // Each request carried the Web Push headers and its body over HTTP/2.
  EXPECT_EQ(count_starting(lines, "request conn=1 path=/push/"), 8u)
      << ::testing::PrintToString(lines);
  for (const std::string& l : lines) {
    if (!l.starts_with("request ")) continue;
    EXPECT_NE(l.find(" method=POST ttl=3"), std::string::npos) << l;
    EXPECT_NE(
        l.find(" urgency=high topic=session_opened-7 encoding=aes128gcm auth=vapid t=a.b.c, k=d"
               " bytes=10"),
        std::string::npos)
        << l;
  }
  EXPECT_EQ(metrics_.sent.get(), 8u);
}

TEST_F(PushSenderHttp2, ReportsA410AsGone) {
  start_service({kH2Service}, {"1"});
  const std::vector<Reported> got = send_all(trusting(), {delivery(4, "/gone/4")});
  EXPECT_EQ(got, (std::vector<Reported>{{4, Outcome::Gone, 410}}));
  const std::vector<std::string> lines = stop_service();
  EXPECT_EQ(count_starting(lines, "batch conn=1 alpn=h2 streams=1"), 1u)
      << ::testing::PrintToString(lines);
}

}  // namespace
}  // namespace rollcall::push

// The sender over HTTPS with --push-ca-file: a push service on loopback whose
// certificate (made at test time by the openssl command) only the CA file vouches
// for. The service is a few lines of Python (its http.server and ssl modules).

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
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

class PushSenderTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/openssl", X_OK) != 0 || access("/usr/bin/python3", X_OK) != 0) {
      GTEST_SKIP() << "needs /usr/bin/openssl and /usr/bin/python3";
    }
    char pattern[] = "/tmp/rollcall-tls-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    const std::string make_cert =
        "/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir_ + "/key.pem -out " + dir_ + "/cert.pem 2>/dev/null";
    ASSERT_EQ(std::system(make_cert.c_str()), 0);
    start_service();
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) {
      unlink((dir_ + "/key.pem").c_str());
      unlink((dir_ + "/cert.pem").c_str());
      rmdir(dir_.c_str());
    }
  }

  void start_service() {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    const std::string cert = dir_ + "/cert.pem";
    const std::string key = dir_ + "/key.pem";
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      execl("/usr/bin/python3", "python3", "-c", kService, cert.c_str(), key.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* lines = fdopen(out[0], "r");
    ASSERT_NE(lines, nullptr);
    unsigned port = 0;
    ASSERT_EQ(std::fscanf(lines, "%u", &port), 1);  // blocks until the service listens
    std::fclose(lines);
    port_ = port;
  }

  // Sends one delivery and drives the sender until it is reported.
  std::pair<Outcome, int> send_one(SenderConfig c) {
    std::vector<std::pair<Outcome, int>> got;
    Result<std::unique_ptr<Sender>> made = Sender::create(
        std::move(c), [&](const Delivery&, Outcome o, int s) { got.emplace_back(o, s); }, metrics_);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error());
    if (!made.ok()) return {Outcome::Dropped, -1};
    Delivery d;
    d.subscription_id = 1;
    d.endpoint = "https://127.0.0.1:" + std::to_string(port_) + "/push/1";
    d.host = "127.0.0.1";
    d.authorization = "vapid t=a.b.c, k=d";
    d.body = "ciphertext";
    d.event_ms = wall_ms();
    EXPECT_TRUE(made.value()->submit(d));
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (got.empty() && std::chrono::steady_clock::now() < end) made.value()->run_once(50);
    EXPECT_EQ(got.size(), 1u);
    return got.empty() ? std::pair{Outcome::Dropped, -1} : got[0];
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

}  // namespace
}  // namespace rollcall::push

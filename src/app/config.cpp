#include "rollcall/app/config.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string_view>

#include "rollcall/net/listener.hpp"
#include "rollcall_build_config.h"

namespace rollcall::app {

namespace {

template <typename T>
Result<T> parse_number(std::string_view flag, std::string_view text, T min, T max) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return Error{"invalid value '" + std::string(text) + "' for " + std::string(flag) +
                 ": expected an integer from " + std::to_string(min) + " to " +
                 std::to_string(max)};
  }
  return value;
}

Result<Command> parse_serve(const std::vector<std::string>& args, std::size_t start) {
  Command cmd;
  cmd.kind = Command::Kind::Serve;
  ServeConfig& c = cmd.serve;
  for (std::size_t i = start; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      const auto eq = arg.find('=');
      if (eq != std::string_view::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline_value = true;
      }
    }
    auto take_value = [&](std::string_view flag) -> Result<std::string> {
      if (has_inline_value) return std::string(value);
      if (i + 1 >= args.size()) return Error{"missing value for " + std::string(flag)};
      return args[++i];
    };
    auto no_value = [&](std::string_view flag) -> Status {
      if (has_inline_value) return Error{std::string(flag) + " takes no value"};
      return Ok{};
    };

    if (arg == "--help" || arg == "-h") {
      cmd.kind = Command::Kind::Help;
      cmd.help_topic = "serve";
      return cmd;
    }
    if (arg == "--demo" || arg == "--ws-echo") {
      if (Status s = no_value(arg); !s) return Error{s.error()};
      (arg == "--demo" ? c.demo : c.ws_echo) = true;
      continue;
    }
    Result<std::string> v = Error{""};
    if (arg == "--listen" || arg == "--data-dir" || arg == "--web-dir" || arg == "--shards" ||
        arg == "--max-connections" || arg == "--header-timeout-ms" || arg == "--idle-timeout-ms" ||
        arg == "--max-header-bytes" || arg == "--max-body-bytes" ||
        arg == "--shutdown-timeout-ms" || arg == "--log-level" || arg == "--recv-buffers" ||
        arg == "--demo-classes" || arg == "--demo-class-size" || arg == "--qr-rotation-s" ||
        arg == "--public-url" || arg == "--wal-segment-bytes" || arg == "--wal-snapshot-bytes" ||
        arg == "--ring-events" || arg == "--ring-bytes" || arg == "--ws-backlog-bytes-max" ||
        arg == "--ws-ping-interval-ms" || arg == "--ws-silence-timeout-ms" ||
        arg == "--sync-clock-skew-s") {
      v = take_value(arg);
      if (!v) return Error{v.error()};
    } else {
      return Error{"unknown option '" + std::string(args[i]) +
                   "' for 'rollcall serve' (see rollcall serve --help)"};
    }
    const std::string& text = *v;
    if (arg == "--listen") {
      Result<net::HostPort> split = net::split_host_port(text);
      if (!split) return Error{split.error()};
      c.listen = text;
    } else if (arg == "--data-dir") {
      if (text.empty()) return Error{"--data-dir must not be empty"};
      c.data_dir = text;
    } else if (arg == "--web-dir") {
      if (text.empty()) return Error{"--web-dir must not be empty"};
      c.web_dir = text;
    } else if (arg == "--shards") {
      auto n = parse_number<unsigned>(arg, text, 1, 256);
      if (!n) return Error{n.error()};
      c.shards = *n;
    } else if (arg == "--max-connections") {
      auto n = parse_number<std::uint32_t>(arg, text, 1, 1'000'000);
      if (!n) return Error{n.error()};
      c.max_connections = *n;
    } else if (arg == "--header-timeout-ms") {
      auto n = parse_number<std::uint32_t>(arg, text, 100, 3'600'000);
      if (!n) return Error{n.error()};
      c.header_timeout_ms = *n;
    } else if (arg == "--idle-timeout-ms") {
      auto n = parse_number<std::uint32_t>(arg, text, 100, 86'400'000);
      if (!n) return Error{n.error()};
      c.idle_timeout_ms = *n;
    } else if (arg == "--max-header-bytes") {
      auto n = parse_number<std::uint32_t>(arg, text, 1024, 1024 * 1024);
      if (!n) return Error{n.error()};
      c.head_bytes_max = *n;
    } else if (arg == "--max-body-bytes") {
      auto n = parse_number<std::uint64_t>(arg, text, 0, 64ull * 1024 * 1024);
      if (!n) return Error{n.error()};
      c.body_bytes_max = *n;
    } else if (arg == "--shutdown-timeout-ms") {
      auto n = parse_number<std::uint32_t>(arg, text, 0, 3'600'000);
      if (!n) return Error{n.error()};
      c.shutdown_timeout_ms = *n;
    } else if (arg == "--demo-classes") {
      auto n = parse_number<std::uint32_t>(arg, text, 1, 100'000);
      if (!n) return Error{n.error()};
      c.demo_classes = *n;
    } else if (arg == "--demo-class-size") {
      auto n = parse_number<std::uint32_t>(arg, text, 1, 10'000);
      if (!n) return Error{n.error()};
      c.demo_class_size = *n;
    } else if (arg == "--qr-rotation-s") {
      auto n = parse_number<std::uint32_t>(arg, text, 1, 3600);
      if (!n) return Error{n.error()};
      c.qr_rotation_s = *n;
    } else if (arg == "--public-url") {
      if (text.rfind("http://", 0) != 0 && text.rfind("https://", 0) != 0) {
        return Error{"invalid value '" + text +
                     "' for --public-url: expected http://... or https://..."};
      }
      c.public_url = text;
      while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    } else if (arg == "--ring-events") {
      auto n = parse_number<std::uint32_t>(arg, text, 2, 1u << 20);
      if (!n) return Error{n.error()};
      if ((*n & (*n - 1)) != 0)
        return Error{"invalid value '" + text + "' for --ring-events: expected a power of two"};
      c.ring_events = *n;
    } else if (arg == "--ring-bytes") {
      auto n = parse_number<std::uint64_t>(arg, text, 4096, 1ull << 30);
      if (!n) return Error{n.error()};
      c.ring_bytes = *n;
    } else if (arg == "--ws-backlog-bytes-max") {
      auto n = parse_number<std::uint64_t>(arg, text, 1024, 1ull << 30);
      if (!n) return Error{n.error()};
      c.ws_backlog_bytes_max = *n;
    } else if (arg == "--ws-ping-interval-ms") {
      auto n = parse_number<std::uint32_t>(arg, text, 100, 3'600'000);
      if (!n) return Error{n.error()};
      c.ws_ping_interval_ms = *n;
    } else if (arg == "--ws-silence-timeout-ms") {
      auto n = parse_number<std::uint32_t>(arg, text, 200, 7'200'000);
      if (!n) return Error{n.error()};
      c.ws_silence_timeout_ms = *n;
    } else if (arg == "--sync-clock-skew-s") {
      auto n = parse_number<std::uint32_t>(arg, text, 0, 3600);
      if (!n) return Error{n.error()};
      c.sync_clock_skew_s = *n;
    } else if (arg == "--wal-segment-bytes") {
      auto n = parse_number<std::uint64_t>(arg, text, 64 * 1024, 1ull << 32);
      if (!n) return Error{n.error()};
      c.wal_segment_bytes = *n;
    } else if (arg == "--wal-snapshot-bytes") {
      auto n = parse_number<std::uint64_t>(arg, text, 1, 1ull << 40);
      if (!n) return Error{n.error()};
      c.wal_snapshot_bytes = *n;
    } else if (arg == "--recv-buffers") {
      auto n = parse_number<std::uint32_t>(arg, text, 2, 32768);
      if (!n) return Error{n.error()};
      if ((*n & (*n - 1)) != 0)
        return Error{"invalid value '" + text + "' for --recv-buffers: expected a power of two"};
      c.recv_buffers = *n;
    } else if (arg == "--log-level") {
      if (text != "debug" && text != "info" && text != "warn" && text != "error") {
        return Error{"invalid value '" + text +
                     "' for --log-level: expected debug, info, warn or error"};
      }
      c.log_level = text;
    }
  }
  if (c.shards == 0) c.shards = usable_cores();
  if (c.web_dir.empty()) c.web_dir = default_web_dir();
  if (c.max_connections < c.shards) {
    return Error{"--max-connections (" + std::to_string(c.max_connections) +
                 ") must be at least --shards (" + std::to_string(c.shards) + ")"};
  }
  if (c.ws_silence_timeout_ms <= c.ws_ping_interval_ms) {
    return Error{"--ws-silence-timeout-ms (" + std::to_string(c.ws_silence_timeout_ms) +
                 ") must be more than --ws-ping-interval-ms (" +
                 std::to_string(c.ws_ping_interval_ms) + ")"};
  }
  return cmd;
}

constexpr std::size_t kMaxTokenUsers = 100000;

// One option of a subcommand at args[i], as `--flag value` or `--flag=value`
// (advances i past a separate value). `help` is set for --help/-h.
struct Option {
  std::string flag;
  std::string value;
  bool help = false;
};

Result<Option> next_option(const std::vector<std::string>& args, std::size_t& i,
                           std::initializer_list<std::string_view> known,
                           std::string_view command) {
  std::string_view arg = args[i];
  Option o;
  const auto eq = arg.find('=');
  const bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string_view::npos;
  if (inline_value) {
    o.value = std::string(arg.substr(eq + 1));
    arg = arg.substr(0, eq);
  }
  o.flag = std::string(arg);
  if (arg == "--help" || arg == "-h") {
    o.help = true;
    return o;
  }
  if (std::find(known.begin(), known.end(), arg) == known.end()) {
    return Error{"unknown option '" + args[i] + "' for 'rollcall " + std::string(command) +
                 "' (see rollcall " + std::string(command) + " --help)"};
  }
  if (!inline_value) {
    if (i + 1 >= args.size()) return Error{"missing value for " + o.flag};
    o.value = args[++i];
  }
  return o;
}

Result<Command> parse_token(const std::vector<std::string>& args, std::size_t start) {
  Command cmd;
  cmd.kind = Command::Kind::Token;
  TokenConfig& t = cmd.token;
  bool has_user = false;
  for (std::size_t i = start; i < args.size(); ++i) {
    Result<Option> opt = next_option(args, i, {"--data-dir", "--user", "--ttl-s"}, "token");
    if (!opt) return Error{opt.error()};
    if (opt->help) {
      cmd.kind = Command::Kind::Help;
      cmd.help_topic = "token";
      return cmd;
    }
    const std::string& arg = opt->flag;
    const std::string& value = opt->value;
    if (arg == "--data-dir") {
      if (value.empty()) return Error{"--data-dir must not be empty"};
      t.data_dir = value;
    } else if (arg == "--user") {
      if (value.empty()) return Error{"--user must not be empty"};
      if (t.usernames.size() >= kMaxTokenUsers) {
        return Error{"at most " + std::to_string(kMaxTokenUsers) +
                     " --user options in one rollcall token"};
      }
      t.usernames.push_back(value);
      has_user = true;
    } else {
      auto n = parse_number<std::int64_t>(arg, value, 1, 366LL * 24 * 3600);
      if (!n) return Error{n.error()};
      t.ttl_s = *n;
    }
  }
  if (!has_user) return Error{"rollcall token needs --user USERNAME (see rollcall token --help)"};
  return cmd;
}

Result<Command> parse_import(const std::vector<std::string>& args) {
  Command cmd;
  cmd.kind = Command::Kind::Import;
  bool has_source = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    Result<Option> opt = next_option(args, i, {"--data-dir", "--oneroster"}, "import");
    if (!opt) return Error{opt.error()};
    if (opt->help) {
      cmd.kind = Command::Kind::Help;
      cmd.help_topic = "import";
      return cmd;
    }
    const std::string& arg = opt->flag;
    const std::string& value = opt->value;
    if (value.empty()) return Error{arg + " must not be empty"};
    if (arg == "--data-dir") {
      cmd.import.data_dir = value;
    } else {
      cmd.import.oneroster_dir = value;
      has_source = true;
    }
  }
  if (!has_source)
    return Error{"rollcall import needs --oneroster DIR (see rollcall import --help)"};
  return cmd;
}

Result<Command> parse_wal(const std::vector<std::string>& args) {
  Command cmd;
  if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
    cmd.kind = Command::Kind::Help;
    cmd.help_topic = "wal";
    return cmd;
  }
  if (args[1] != "verify" && args[1] != "dump") {
    return Error{"unknown wal command '" + args[1] +
                 "' (expected verify or dump; see rollcall wal --help)"};
  }
  cmd.kind = args[1] == "verify" ? Command::Kind::WalVerify : Command::Kind::WalDump;
  for (std::size_t i = 2; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      cmd.kind = Command::Kind::Help;
      cmd.help_topic = "wal";
      return cmd;
    }
    if (arg.rfind("--data-dir=", 0) == 0) {
      cmd.data_dir = std::string(arg.substr(11));
    } else if (arg == "--data-dir" && i + 1 < args.size()) {
      cmd.data_dir = args[++i];
    } else if (arg == "--data-dir") {
      return Error{"missing value for --data-dir"};
    } else {
      return Error{"unknown option '" + args[i] + "' for 'rollcall wal " + args[1] + "'"};
    }
  }
  if (cmd.data_dir.empty()) return Error{"--data-dir must not be empty"};
  return cmd;
}

}  // namespace

Result<Command> parse_command_line(const std::vector<std::string>& args) {
  Command cmd;
  if (args.empty()) return Error{"no command given (see rollcall --help)"};
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    cmd.kind = Command::Kind::Help;
    if (args.size() > 1 &&
        (args[1] == "serve" || args[1] == "token" || args[1] == "import" || args[1] == "wal"))
      cmd.help_topic = args[1];
    return cmd;
  }
  if (first == "--version" || first == "-V" || first == "version") {
    cmd.kind = Command::Kind::Version;
    return cmd;
  }
  if (first == "serve") return parse_serve(args, 1);
  if (first == "token") return parse_token(args, 1);
  if (first == "import") return parse_import(args);
  if (first == "wal") return parse_wal(args);
  return Error{"unknown command '" + first + "' (see rollcall --help)"};
}

std::string general_help() {
  return "rollcall " ROLLCALL_VERSION
         " - real-time attendance server\n"
         "\n"
         "Usage:\n"
         "  rollcall serve [options]     run the server (rollcall serve --help for options)\n"
         "  rollcall token --data-dir DIR --user NAME [--ttl-s 3600]\n"
         "                               print a JWT for a user (operations, load tests)\n"
         "  rollcall import --data-dir DIR --oneroster DIR\n"
         "                               merge a OneRoster 1.1 CSV export into the roster\n"
         "                               (server stopped; rollcall import --help)\n"
         "  rollcall wal verify --data-dir DIR   check a data directory's log offline\n"
         "  rollcall wal dump --data-dir DIR     print its log records as JSON lines\n"
         "  rollcall --help              show this help\n"
         "  rollcall --version           print the version\n";
}

std::string serve_help() {
  return "Usage: rollcall serve [options]\n"
         "\n"
         "Runs the attendance server: one shard thread per core, each with its own\n"
         "io_uring ring and SO_REUSEPORT listener. Prints 'rollcall listening on\n"
         "http://HOST:PORT' on stdout once it accepts connections; logs JSON lines on\n"
         "stderr. SIGTERM or SIGINT: stop accepting, finish requests, exit 0.\n"
         "\n"
         "Options:\n"
         "  --listen HOST:PORT        address to listen on (default 0.0.0.0:8080; port 0\n"
         "                            picks a free port)\n"
         "  --data-dir DIR            data directory, created if missing and locked against\n"
         "                            a second server (default ./rollcall-data)\n"
         "  --shards N                shard threads, 1..256 (default: number of cores)\n"
         "  --web-dir DIR             web app files served outside /api, /ws, /metrics\n"
         "                            (default: the installed web app, else the source\n"
         "                            tree's web/dist); loaded at start\n"
         "  --demo                    seed the demo district (API.md §2) when the data\n"
         "                            directory has no roster yet; existing data is kept\n"
         "  --demo-classes N          demo size: N classes, ceil(N/3) teachers (default 12)\n"
         "  --demo-class-size M       demo size: M students per class (default 30)\n"
         "  --qr-rotation-s N         QR check-in tokens rotate every N s; each is accepted\n"
         "                            for its window and the next (default 15)\n"
         "  --public-url URL          base of QR check-in URLs (default: http:// + the Host\n"
         "                            the teacher's browser used)\n"
         "  --max-connections N       open connections per process, split over shards;\n"
         "                            more are closed at once and counted (default 20000)\n"
         "  --header-timeout-ms N     request line and headers must arrive within this;\n"
         "                            also the longest silence inside a body (default 10000)\n"
         "  --idle-timeout-ms N       close keep-alive connections idle this long\n"
         "                            (default 60000)\n"
         "  --max-header-bytes N      request line + headers limit, 431 above (default 16384)\n"
         "  --max-body-bytes N        request body limit, 413 above (default 1048576)\n"
         "  --shutdown-timeout-ms N   on SIGTERM, force-close connections still open after\n"
         "                            this (default 10000)\n"
         "  --ws-echo                 also serve /ws/echo: an unauthenticated WebSocket that\n"
         "                            echoes every message (for protocol conformance suites)\n"
         "  --ring-events N           live events kept per class for resuming, a power of\n"
         "                            two (default 4096)\n"
         "  --ring-bytes N            bytes of encoded events kept per class (default 1048576)\n"
         "  --ws-backlog-bytes-max N  unsent bytes after which a WebSocket subscriber is\n"
         "                            closed with 1013 (default 1048576)\n"
         "  --ws-ping-interval-ms N   WebSocket ping to each subscriber this often\n"
         "                            (default 30000)\n"
         "  --ws-silence-timeout-ms N close a WebSocket silent this long (no frame, no\n"
         "                            pong), more than the ping interval (default 75000)\n"
         "  --sync-clock-skew-s N     offline ops (POST /api/v1/sync) may carry a client_time\n"
         "                            up to N s ahead of the server's clock (default 120)\n"
         "  --wal-segment-bytes N     log segment size, preallocated (default 67108864)\n"
         "  --wal-snapshot-bytes N    a shard snapshots its classes and drops its old log\n"
         "                            segments once its log grew this much (default 67108864)\n"
         "  --recv-buffers N          4 KiB receive buffers per shard, a power of two from\n"
         "                            2 to 32768 (default 2048); when all are in use,\n"
         "                            reading waits for one to come back\n"
         "  --log-level LEVEL         debug, info, warn or error (default info)\n"
         "  -h, --help                show this help\n";
}

std::string token_help() {
  return "Usage: rollcall token --data-dir DIR --user USERNAME [--user USERNAME...] [--ttl-s "
         "SECONDS]\n"
         "\n"
         "Prints a JWT for USERNAME signed with the data directory's secret, valid for\n"
         "SECONDS (default 3600, at most a year). Works while the server runs. For\n"
         "operations and load tests; treat the output like a password.\n"
         "--user may be given several times (up to 100000): one JWT per line, in the\n"
         "order given. If any user is unknown nothing is printed and the exit code is 1.\n";
}

std::string wal_help() {
  return "Usage: rollcall wal verify --data-dir DIR\n"
         "       rollcall wal dump --data-dir DIR\n"
         "\n"
         "verify recovers the data directory's current log generation in memory, without\n"
         "changing anything: exit 0 if the server would start (a torn tail from a crash\n"
         "is reported; the next start drops it), exit 1 naming the file and byte offset\n"
         "if the log is corrupt. dump prints every record after the snapshots, one JSON\n"
         "object per line with its shard and LSN.\n";
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1u;
}

std::string default_web_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "rollcall" / "web";
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  return ROLLCALL_SOURCE_WEB_DIR;
}

}  // namespace rollcall::app

#include "rollcall/app/serve_flags.hpp"

#include <unistd.h>

#include <charconv>
#include <string_view>
#include <variant>

#include "rollcall/net/ip_address.hpp"
#include "rollcall/net/listener.hpp"

namespace rollcall::app {

namespace {

using Check = Result<std::string> (*)(std::string_view flag, std::string_view value);

struct Switch {
  bool ServeConfig::*member;
};
template <typename T>
struct Number {
  T ServeConfig::*member;
  T min;
  T max;
  bool power_of_two = false;
};
struct Text {
  std::string ServeConfig::*member;
  Check check;
};
/// Repeatable: each value's addresses and networks are added to the set.
struct Addresses {
  net::AddressSet ServeConfig::*member;
};
using Target = std::variant<Switch, Number<std::uint32_t>, Number<std::uint64_t>, Text, Addresses>;

struct Flag {
  std::string_view name;
  std::string_view value_name;  ///< "" for a switch
  Target target;
  std::string_view help;
  std::string_view default_note = {};  ///< shown instead of the value (computed defaults)
};

Error invalid(std::string_view flag, std::string_view value, std::string_view expected) {
  return Error{"invalid value '" + std::string(value) + "' for " + std::string(flag) +
               ": expected " + std::string(expected)};
}

Result<std::string> non_empty(std::string_view flag, std::string_view value) {
  if (value.empty()) return Error{std::string(flag) + " must not be empty"};
  return std::string(value);
}

Result<std::string> listen_address(std::string_view, std::string_view value) {
  Result<net::HostPort> split = net::split_host_port(std::string(value));
  if (!split) return Error{split.error()};
  return std::string(value);
}

Result<std::string> public_url(std::string_view flag, std::string_view value) {
  if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
    return invalid(flag, value, "http://... or https://...");
  }
  std::string url(value);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// VAPID's sub claim (RFC 8292 §2.1): a mailto: or https: URI push services can use.
Result<std::string> push_contact(std::string_view flag, std::string_view value) {
  const bool mailto = value.rfind("mailto:", 0) == 0 && value.size() > 7;
  const bool https = value.rfind("https://", 0) == 0 && value.size() > 8;
  if (!mailto && !https) return invalid(flag, value, "mailto:... or https://...");
  return std::string(value);
}

Result<std::string> readable_file(std::string_view flag, std::string_view value) {
  const std::string path(value);
  if (value.empty() || ::access(path.c_str(), R_OK) != 0) {
    return invalid(flag, value, "a readable file");
  }
  return path;
}

Result<std::string> log_level(std::string_view flag, std::string_view value) {
  if (value != "debug" && value != "info" && value != "warn" && value != "error") {
    return invalid(flag, value, "debug, info, warn or error");
  }
  return std::string(value);
}

using C = ServeConfig;
using U32 = Number<std::uint32_t>;
using U64 = Number<std::uint64_t>;
constexpr std::uint64_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;

// The table. Order is the order of `--help`.
const Flag kFlags[] = {
    {"--listen", "HOST:PORT", Text{&C::listen, listen_address},
     "address to listen on; port 0 picks a free port"},
    {"--data-dir", "DIR", Text{&C::data_dir, non_empty},
     "data directory, created if missing and locked against a second server"},
    {"--shards", "N", U32{&C::shards, 1, 256}, "shard threads, 1..256", "the number of cores"},
    {"--web-dir", "DIR", Text{&C::web_dir, non_empty},
     "web app files served outside /api, /ws, /metrics; loaded at start",
     "the installed web app, else the source tree's web/dist"},
    {"--demo", "", Switch{&C::demo},
     "seed the demo district (API.md §2) when the data directory has no roster yet; existing "
     "data is kept"},
    {"--demo-classes", "N", U32{&C::demo_classes, 1, 100'000},
     "demo size: N classes, ceil(N/3) teachers"},
    {"--demo-class-size", "M", U32{&C::demo_class_size, 1, 10'000},
     "demo size: M students per class"},
    {"--qr-rotation-s", "N", U32{&C::qr_rotation_s, 1, 3600},
     "QR check-in tokens rotate every N s; each is accepted for its window and the next"},
    {"--public-url", "URL", Text{&C::public_url, public_url}, "base of QR check-in URLs",
     "http:// + the Host the teacher's browser used"},
    {"--max-connections", "N", U32{&C::max_connections, 1, 1'000'000},
     "open connections per process, split over shards; more are closed at once and counted"},
    {"--max-connections-per-ip", "N", U32{&C::max_connections_per_ip, 1, 1'000'000},
     "open connections one client address may hold; more are closed at once and counted "
     "(--trusted-proxy addresses are exempt; with --proxy-protocol the clients they name "
     "count)"},
    {"--header-timeout-ms", "N", U32{&C::header_timeout_ms, 100, 3'600'000},
     "request line and headers must arrive within this; also the longest silence inside a body"},
    {"--idle-timeout-ms", "N", U32{&C::idle_timeout_ms, 100, 86'400'000},
     "close keep-alive connections idle this long"},
    {"--max-header-bytes", "N", U32{&C::head_bytes_max, 1024, 1024 * 1024},
     "request line + headers limit, 431 above"},
    {"--max-body-bytes", "N", U64{&C::body_bytes_max, 0, 64 * kMiB},
     "request body limit, 413 above"},
    {"--shutdown-timeout-ms", "N", U32{&C::shutdown_timeout_ms, 0, 3'600'000},
     "on SIGTERM, force-close connections still open after this"},
    {"--ws-echo", "", Switch{&C::ws_echo},
     "also serve /ws/echo: an unauthenticated WebSocket that echoes every message (for protocol "
     "conformance suites)"},
    {"--ring-events", "N", U32{&C::ring_events, 2, 1u << 20, true},
     "live events kept per class for resuming, a power of two"},
    {"--ring-bytes", "N", U64{&C::ring_bytes, 4096, kGiB},
     "bytes of encoded events kept per class"},
    {"--ws-backlog-bytes-max", "N", U64{&C::ws_backlog_bytes_max, 1024, kGiB},
     "output budget: unsent bytes one connection may be owed (answers, events, pongs); past "
     "it the connection is not read until it drains, and a WebSocket subscriber is closed "
     "with 1013"},
    {"--send-timeout-ms", "N", U32{&C::send_timeout_ms, 100, 3'600'000},
     "disconnect a peer that takes none of the bytes owed to it for this long (graceful "
     "closes included)"},
    {"--ws-ping-interval-ms", "N", U32{&C::ws_ping_interval_ms, 100, 3'600'000},
     "WebSocket ping to each subscriber this often"},
    {"--ws-message-bytes-max", "N", U64{&C::ws_message_bytes_max, 125, 16 * kMiB},
     "client WebSocket messages (fragments assembled) larger than this close 1009"},
    {"--max-subscriptions-per-user", "N", U32{&C::max_subscriptions_per_user, 1, 1'000'000},
     "live WebSocket subscriptions one user may hold at once (all shards); more are refused "
     "with 429 too_many_subscriptions"},
    {"--ws-silence-timeout-ms", "N", U32{&C::ws_silence_timeout_ms, 200, 7'200'000},
     "close a WebSocket silent this long (no frame, no pong), more than the ping interval"},
    {"--sync-clock-skew-s", "N", U32{&C::sync_clock_skew_s, 0, 3600},
     "offline ops (POST /api/v1/sync) may carry a client_time up to N s ahead of the server's "
     "clock"},
    {"--sync-max-offline-s", "N", U32{&C::sync_max_offline_s, 1, 366u * 86400},
     "offline ops may arrive at most N s after their client_time; older ones are rejected "
     "(offline_too_old)"},
    {"--wal-segment-bytes", "N", U64{&C::wal_segment_bytes, 64 * kKiB, 4 * kGiB},
     "log segment size, preallocated"},
    {"--wal-snapshot-bytes", "N", U64{&C::wal_snapshot_bytes, 1, 1024 * kGiB},
     "a shard snapshots its classes and drops its old log segments once its log grew this much"},
    {"--recv-buffers", "N", U32{&C::recv_buffers, 2, 32768, true},
     "4 KiB receive buffers per shard, a power of two; when all are in use, reading waits for "
     "one to come back"},
    {"--trusted-proxy", "ADDRS", Addresses{&C::trusted_proxies},
     "reverse proxies (IPs or CIDR networks, comma-separated; repeatable) whose X-Forwarded-For "
     "names the client, for per-client sign-in limits; from any other peer the header is "
     "ignored",
     "none"},
    {"--proxy-protocol", "", Switch{&C::proxy_protocol},
     "connections from --trusted-proxy peers must start with a PROXY protocol header (v1 or v2, "
     "haproxy's send-proxy / send-proxy-v2), sent whole within --header-timeout-ms: the client "
     "it names counts for every per-client limit (connections per IP, sign-in) and their "
     "X-Forwarded-For is ignored; UNKNOWN or LOCAL keeps the proxy's address; a missing or "
     "malformed header closes the connection. Other peers' bytes are never read as one"},
    {"--push-contact", "URI", Text{&C::push_contact, push_contact},
     "who push services may contact about this server (the VAPID sub claim): mailto:... or "
     "https://..."},
    {"--push-ttl-s", "N", U32{&C::push_ttl_s, 0, 28u * 86400},
     "how long a push service keeps a notification for an offline device (the TTL header)"},
    {"--push-batch-ms", "N", U32{&C::push_batch_ms, 0, 60'000},
     "status changes of one student in one session within this are sent as one "
     "notification (the latest status), the first waiting this long; session_opened and "
     "missing_digest, once per session, go at once"},
    {"--push-ca-file", "FILE", Text{&C::push_ca_file, readable_file},
     "PEM certificates trusted for push services besides the system's (a district's own)",
     "the system's CAs only"},
    {"--push-allow-private", "", Switch{&C::push_allow_private},
     "allow push endpoints on loopback, private and link-local addresses (the server otherwise "
     "refuses them, so it cannot be made to reach the district's internal network)"},
    {"--push-queue-max", "N", U64{&C::push_queue_max, 1, 10'000'000},
     "push requests waiting, retrying or in flight; more are dropped and counted"},
    {"--push-host-concurrency", "N", U32{&C::push_host_concurrency, 1, 10'000},
     "push requests in flight to one push service host; more wait their turn"},
    {"--push-timeout-ms", "N", U32{&C::push_timeout_ms, 100, 600'000},
     "one push request's deadline; one that runs out is retried like a 5xx"},
    {"--log-level", "LEVEL", Text{&C::log_level, log_level}, "debug, info, warn or error"},
};

template <typename T>
Status set_number(const Flag& f, const Number<T>& n, std::string_view text, ServeConfig& out) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < n.min ||
      value > n.max) {
    return invalid(f.name, text,
                   "an integer from " + std::to_string(n.min) + " to " + std::to_string(n.max));
  }
  if (n.power_of_two && (value & (value - 1)) != 0) return invalid(f.name, text, "a power of two");
  out.*n.member = value;
  return Ok{};
}

Status set(const Flag& f, std::string_view value, ServeConfig& out) {
  return std::visit(
      [&](const auto& t) -> Status {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, Switch>) {
          out.*t.member = true;
          return Ok{};
        } else if constexpr (std::is_same_v<T, Text>) {
          Result<std::string> checked = t.check(f.name, value);
          if (!checked) return Error{checked.error()};
          out.*t.member = std::move(*checked);
          return Ok{};
        } else if constexpr (std::is_same_v<T, Addresses>) {
          // The one parse of these addresses: the set is what the server uses.
          if (Status s = (out.*t.member).add(value); !s) {
            return Error{"invalid value for " + std::string(f.name) + ": " + s.error()};
          }
          return Ok{};
        } else {
          return set_number(f, t, value, out);
        }
      },
      f.target);
}

const Flag* find_flag(std::string_view name) {
  for (const Flag& f : kFlags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// Settings that depend on one another, and the defaults computed at run time.
Status finish(ServeConfig& c) {
  if (c.shards == 0) c.shards = usable_cores();
  if (c.web_dir.empty()) c.web_dir = default_web_dir();
  if (c.max_connections < c.shards) {
    return Error{"--max-connections (" + std::to_string(c.max_connections) +
                 ") must be at least --shards (" + std::to_string(c.shards) + ")"};
  }
  if (c.proxy_protocol && c.trusted_proxies.empty()) {
    return Error{"--proxy-protocol needs --trusted-proxy: the peers whose PROXY header is read"};
  }
  if (c.ws_silence_timeout_ms <= c.ws_ping_interval_ms) {
    return Error{"--ws-silence-timeout-ms (" + std::to_string(c.ws_silence_timeout_ms) +
                 ") must be more than --ws-ping-interval-ms (" +
                 std::to_string(c.ws_ping_interval_ms) + ")"};
  }
  return Ok{};
}

}  // namespace

Status parse_serve_flags(const std::vector<std::string>& args, std::size_t start, ServeConfig& out,
                         bool& help) {
  help = false;
  for (std::size_t i = start; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return Ok{};
    }
    const std::size_t eq = arg.rfind("--", 0) == 0 ? arg.find('=') : std::string_view::npos;
    const bool inline_value = eq != std::string_view::npos;
    const std::string_view name = inline_value ? arg.substr(0, eq) : arg;
    const Flag* f = find_flag(name);
    if (f == nullptr) {
      return Error{"unknown option '" + args[i] +
                   "' for 'rollcall serve' (see rollcall serve --help)"};
    }
    std::string_view value;
    if (f->value_name.empty()) {
      if (inline_value) return Error{std::string(name) + " takes no value"};
    } else if (inline_value) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Error{"missing value for " + std::string(name)};
    }
    if (Status s = set(*f, value, out); !s) return s;
  }
  return finish(out);
}

namespace {

// The default `f` shows in --help ("" when it has none worth showing).
std::string default_of(const Flag& f) {
  if (!f.default_note.empty()) return std::string(f.default_note);
  const ServeConfig defaults;
  return std::visit(
      [&](const auto& t) -> std::string {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, Switch> || std::is_same_v<T, Addresses>) {
          return {};
        } else if constexpr (std::is_same_v<T, Text>) {
          return defaults.*t.member;
        } else {
          return std::to_string(defaults.*t.member);
        }
      },
      f.target);
}

// Joins two words the wrapping must not split.
constexpr char kNoBreak = '\x01';

// Appends `text` word-wrapped into the help column (`column` on, 80 wide).
void append_wrapped(std::string& out, std::string_view text, std::size_t column) {
  constexpr std::size_t kWidth = 80;
  std::size_t at = column;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    if (at > column && at + 1 + word.size() > kWidth) {
      out.append("\n").append(column, ' ');
      at = column;
    } else if (at > column) {
      out.push_back(' ');
      ++at;
    }
    for (const char ch : word) out.push_back(ch == kNoBreak ? ' ' : ch);
    at += word.size();
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  }
  out.push_back('\n');
}

}  // namespace

std::string serve_help() {
  std::string out =
      "Usage: rollcall serve [options]\n"
      "\n"
      "Runs the attendance server: one shard thread per core, each with its own\n"
      "io_uring ring and SO_REUSEPORT listener. Prints 'rollcall listening on\n"
      "http://HOST:PORT' on stdout once it accepts connections; logs JSON lines on\n"
      "stderr. SIGTERM or SIGINT: stop accepting, finish requests, exit 0.\n"
      "\n"
      "Options:\n";
  constexpr std::size_t kColumn = 28;
  for (const Flag& f : kFlags) {
    std::string head("  ");
    head.append(f.name);
    if (!f.value_name.empty()) head.append(" ").append(f.value_name);
    out.append(head);
    if (head.size() + 1 >= kColumn) {
      out.append("\n").append(kColumn, ' ');
    } else {
      out.append(kColumn - head.size(), ' ');
    }
    std::string text(f.help);
    if (const std::string d = default_of(f); !d.empty()) {
      text.append(" (default").append(1, kNoBreak).append(d).append(")");
    }
    append_wrapped(out, text, kColumn);
  }
  out += "  -h, --help                show this help\n";
  return out;
}

}  // namespace rollcall::app

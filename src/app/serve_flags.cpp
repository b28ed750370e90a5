#include "rollcall/app/serve_flags.hpp"

#include <unistd.h>

#include <array>
#include <charconv>
#include <optional>
#include <string_view>
#include <variant>

#include "rollcall/app/config_file.hpp"
#include "rollcall/common/time_zone.hpp"
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
/// --config: names the file read before the settings are applied; sets nothing itself.
struct ConfigFile {};
using Target =
    std::variant<Switch, Number<std::uint32_t>, Number<std::uint64_t>, Text, Addresses, ConfigFile>;

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

Result<std::string> time_zone(std::string_view flag, std::string_view value) {
  Result<TimeZone> zone = TimeZone::named(value);
  if (!zone) return Error{std::string(flag) + ": " + zone.error()};
  return std::string(value);
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
    {"--config", "FILE", ConfigFile{},
     "read settings from FILE (see Settings above); ROLLCALL_CONFIG names one too", "none"},
    {"--listen", "HOST:PORT", Text{&C::listen, listen_address},
     "address to listen on; port 0 picks a free port"},
    {"--data-dir", "DIR", Text{&C::data_dir, non_empty},
     "data directory, created if missing and locked against a second server"},
    {"--shards", "N", U32{&C::shards, 1, 256}, "shard threads, 1..256", "the number of cores"},
    {"--pin-shards", "", Switch{&C::pin_shards},
     "pin shard i to the i-th core the process may run on; for cores that are rollcall's alone "
     "(off: the OS places the shards, which is better when a proxy or other busy work shares "
     "the cores)"},
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
    {"--timezone", "ZONE", Text{&C::timezone, time_zone},
     "the district's time zone (IANA name, e.g. America/Chicago): what dates and today mean"},
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

// Where a value came from, lowest precedence first.
enum class Source : std::uint8_t { Default, File, Environment, CommandLine };

/// One value for one flag, and where it came from.
struct Setting {
  const Flag* flag = nullptr;
  std::string value;  ///< "" for a switch on the command line
  Source source = Source::Default;
  std::string origin;  ///< error prefix: "PATH:LINE", "ROLLCALL_X"; "" on the command line
};

// A switch: present on the command line; `true` or `false` in a file or variable.
Status set_switch(const Flag& f, const Switch& t, const Setting& s, ServeConfig& out) {
  if (s.source == Source::CommandLine) {
    out.*t.member = true;
  } else if (s.value == "true" || s.value == "false") {
    out.*t.member = s.value == "true";
  } else {
    return invalid(f.name, s.value, "true or false");
  }
  return Ok{};
}

// Checks `s.value` as the flag's own check does and stores it.
Status set(const Setting& s, ServeConfig& out) {
  const Flag& f = *s.flag;
  const std::string_view value = s.value;
  return std::visit(
      [&](const auto& t) -> Status {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, Switch>) {
          return set_switch(f, t, s, out);
        } else if constexpr (std::is_same_v<T, Text>) {
          Result<std::string> checked = t.check(f.name, value);
          if (!checked) return Error{checked.error()};
          out.*t.member = std::move(*checked);
          return Ok{};
        } else if constexpr (std::is_same_v<T, Addresses>) {
          // The one parse of these addresses: the set is what the server uses.
          if (Status st = (out.*t.member).add(value); !st) {
            return Error{"invalid value for " + std::string(f.name) + ": " + st.error()};
          }
          return Ok{};
        } else if constexpr (std::is_same_v<T, ConfigFile>) {
          return Ok{};  // read before any setting is applied (config_setting)
        } else {
          return set_number(f, t, value, out);
        }
      },
      f.target);
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

const Flag* find_flag(std::string_view name) {
  for (const Flag& f : kFlags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool repeatable(const Flag& f) {
  return std::holds_alternative<Addresses>(f.target);
}

// ROLLCALL_ and the flag's name without "--", upper-cased, '-' as '_'.
std::string environment_name(const Flag& f) {
  std::string out = "ROLLCALL_";
  for (const char ch : f.name.substr(2)) {
    const bool lower = 'a' <= ch && ch <= 'z';
    out.push_back(ch == '-' ? '_' : lower ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[ch - 'a'] : ch);
  }
  return out;
}

// The command line, in order; stops at --help (sets `help`).
Status collect_command_line(const std::vector<std::string>& args, std::size_t start,
                            std::vector<Setting>& out, bool& help) {
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
    out.push_back({f, std::string(value), Source::CommandLine, ""});
  }
  return Ok{};
}

// ROLLCALL_<FLAG> for every flag, in the table's order; any other variable is
// ignored. A name given twice counts once, the first (as getenv reads it).
std::vector<Setting> collect_environment(const std::vector<std::string>& environment) {
  std::vector<Setting> out;
  for (const Flag& f : kFlags) {
    const std::string name = environment_name(f);
    for (const std::string& entry : environment) {
      if (entry.size() > name.size() && entry[name.size()] == '=' && entry.rfind(name, 0) == 0) {
        out.push_back({&f, entry.substr(name.size() + 1), Source::Environment, name});
        break;
      }
    }
  }
  return out;
}

// The config file to read: the last --config of the command line, else
// ROLLCALL_CONFIG, else none.
Result<std::optional<Setting>> config_setting(const std::vector<Setting>& line,
                                              const std::vector<Setting>& environment) {
  std::optional<Setting> chosen;
  for (const auto* source : {&environment, &line}) {
    for (const Setting& s : *source) {
      if (std::holds_alternative<ConfigFile>(s.flag->target)) chosen = s;
    }
  }
  if (chosen && chosen->value.empty()) {
    const std::string prefix = chosen->origin.empty() ? "" : chosen->origin + ": ";
    return Error{prefix + invalid(chosen->flag->name, "", "a file name").message};
  }
  return chosen;
}

// The line each flag was first set on in a file (0: not yet).
using FirstLines = std::array<std::size_t, std::size(kFlags)>;

// One file line as a setting: its key must name a flag other than --config, once
// unless the flag repeats.
Result<Setting> file_setting(const ConfigEntry& e, const std::string& origin, FirstLines& first) {
  if (e.key == "config") return Error{origin + ": 'config' cannot be set in a config file"};
  if (e.key.rfind("--", 0) == 0) {
    return Error{origin + ": unknown key '" + e.key +
                 "' (keys are flag names without the leading --)"};
  }
  const Flag* f = find_flag("--" + e.key);
  if (f == nullptr) return Error{origin + ": unknown key '" + e.key + "'"};
  std::size_t& first_line = first[static_cast<std::size_t>(f - kFlags)];
  if (first_line != 0 && !repeatable(*f)) {
    return Error{origin + ": '" + e.key + "' is set again (first on line " +
                 std::to_string(first_line) + "); only repeatable flags repeat"};
  }
  if (first_line == 0) first_line = e.line;
  RC_ASSERT(first_line <= e.line);
  return Setting{f, e.value, Source::File, origin};
}

Result<std::vector<Setting>> collect_file(const std::string& path) {
  Result<std::vector<ConfigEntry>> entries = read_config_file(path);
  if (!entries) return Error{entries.error()};
  FirstLines first{};
  std::vector<Setting> out;
  for (const ConfigEntry& e : *entries) {
    Result<Setting> s = file_setting(e, path + ":" + std::to_string(e.line), first);
    if (!s) return Error{s.error()};
    out.push_back(std::move(*s));
  }
  return out;
}

// Applies every setting, lowest source first, so a higher source overwrites; a
// repeatable flag starts empty again when a higher source first sets it. Every
// value is checked, also one a higher source overrides.
Status apply(const std::vector<const std::vector<Setting>*>& sources, ServeConfig& out) {
  std::array<Source, std::size(kFlags)> set_by{};
  for (const std::vector<Setting>* source : sources) {
    for (const Setting& s : *source) {
      const std::size_t index = static_cast<std::size_t>(s.flag - kFlags);
      RC_ASSERT(index < set_by.size());
      RC_ASSERT(set_by[index] <= s.source);  // sources arrive lowest first
      if (const auto* a = std::get_if<Addresses>(&s.flag->target); a && set_by[index] < s.source) {
        out.*a->member = net::AddressSet{};
      }
      set_by[index] = s.source;
      if (Status st = set(s, out); !st) {
        return Error{s.origin.empty() ? st.error() : s.origin + ": " + st.error()};
      }
    }
  }
  return Ok{};
}

}  // namespace

Status parse_serve_flags(const std::vector<std::string>& args, std::size_t start,
                         const std::vector<std::string>& environment, ServeConfig& out,
                         bool& help) {
  help = false;
  std::vector<Setting> line;
  if (Status s = collect_command_line(args, start, line, help); !s || help) return s;
  const std::vector<Setting> env = collect_environment(environment);
  Result<std::optional<Setting>> config = config_setting(line, env);
  if (!config) return Error{config.error()};
  std::vector<Setting> file;
  if (config->has_value()) {
    Result<std::vector<Setting>> read = collect_file((*config)->value);
    if (!read) return Error{read.error()};
    file = std::move(*read);
  }
  if (Status s = apply({&file, &env, &line}, out); !s) return s;
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
        if constexpr (std::is_same_v<T, Switch> || std::is_same_v<T, Addresses> ||
                      std::is_same_v<T, ConfigFile>) {
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

// The "Settings" section of --help: sources, precedence, names and file syntax.
void append_settings_help(std::string& out) {
  std::string repeatable_keys;
  for (const Flag& f : kFlags) {
    if (!repeatable(f)) continue;
    repeatable_keys += (repeatable_keys.empty() ? "" : ", ") + std::string(f.name.substr(2));
  }
  const std::string paragraphs[] = {
      "Every option below can also be set by a ROLLCALL_<FLAG> environment variable or in the "
      "--config file. Precedence: command line, then ROLLCALL_<FLAG>, then the file, then the "
      "default. A source that sets an option replaces what lower ones set (for a repeatable "
      "option, all of their values).",
      "Variables: ROLLCALL_ and the option's name upper-cased, '-' as '_' "
      "(ROLLCALL_MAX_CONNECTIONS=20000, ROLLCALL_DEMO=true, ROLLCALL_CONFIG=FILE); other "
      "ROLLCALL_ variables are ignored.",
      "Config file: one 'key = value' per line, the key an option's name without '--' "
      "(max-connections = 20000); '#' starts a comment line; blank lines are ignored; spaces "
      "around key and value are trimmed; values are taken as written (no quotes, no inline "
      "comments); only " +
          repeatable_keys + " may repeat; 'config' is not a key. At most " +
          std::to_string(kConfigFileBytesMax / 1024) + " KiB, lines at most " +
          std::to_string(kConfigLineBytesMax) + " bytes.",
      "A switch (--demo) takes true or false in the file and in a variable. Every value is "
      "checked as on the command line, also one that is overridden; an error names the file "
      "and line or the variable, and rollcall exits 2.",
  };
  for (const std::string& p : paragraphs) {
    out.append(2, ' ');
    append_wrapped(out, p, 2);
  }
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
      "Settings:\n";
  append_settings_help(out);
  out +=
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

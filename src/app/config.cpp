#include "rollcall/app/config.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string_view>

#include "rollcall/app/serve_flags.hpp"
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

Result<Command> parse_serve(const std::vector<std::string>& args, std::size_t start,
                            const std::vector<std::string>& environment) {
  Command cmd;
  cmd.kind = Command::Kind::Serve;
  bool help = false;
  if (Status s = parse_serve_flags(args, start, environment, cmd.serve, help); !s) {
    return Error{s.error()};
  }
  if (help) {
    cmd.kind = Command::Kind::Help;
    cmd.help_topic = "serve";
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
    return Error{"rollcall import needs --oneroster DIR|ZIP (see rollcall import --help)"};
  return cmd;
}

// `rollcall backup` / `rollcall restore`: two path options, both required.
Result<Command> parse_paths(const std::vector<std::string>& args, Command::Kind kind,
                            const char* topic, const char* first, const char* second,
                            std::string& first_value, std::string& second_value) {
  Command cmd;
  cmd.kind = kind;
  for (std::size_t i = 1; i < args.size(); ++i) {
    Result<Option> opt = next_option(args, i, {first, second}, topic);
    if (!opt) return Error{opt.error()};
    if (opt->help) {
      cmd.kind = Command::Kind::Help;
      cmd.help_topic = topic;
      return cmd;
    }
    if (opt->value.empty()) return Error{opt->flag + " must not be empty"};
    (opt->flag == first ? first_value : second_value) = opt->value;
  }
  for (const auto& [flag, value] : {std::pair{first, &first_value}, {second, &second_value}}) {
    if (value->empty()) {
      return Error{std::string("rollcall ") + topic + " needs " + flag + " (see rollcall " + topic +
                   " --help)"};
    }
  }
  return cmd;
}

Result<Command> parse_backup(const std::vector<std::string>& args) {
  BackupArgs b;
  Result<Command> cmd =
      parse_paths(args, Command::Kind::Backup, "backup", "--data-dir", "--to", b.data_dir, b.to);
  if (cmd) cmd->backup = b;
  return cmd;
}

Result<Command> parse_restore(const std::vector<std::string>& args) {
  RestoreArgs r;
  Result<Command> cmd = parse_paths(args, Command::Kind::Restore, "restore", "--from", "--data-dir",
                                    r.from, r.data_dir);
  if (cmd) cmd->restore = r;
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
  return parse_command_line(args, process_environment());
}

std::vector<std::string> process_environment() {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

Result<Command> parse_command_line(const std::vector<std::string>& args,
                                   const std::vector<std::string>& environment) {
  Command cmd;
  if (args.empty()) return Error{"no command given (see rollcall --help)"};
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    cmd.kind = Command::Kind::Help;
    if (args.size() > 1 && (args[1] == "serve" || args[1] == "token" || args[1] == "import" ||
                            args[1] == "wal" || args[1] == "backup" || args[1] == "restore"))
      cmd.help_topic = args[1];
    return cmd;
  }
  if (first == "--version" || first == "-V" || first == "version") {
    cmd.kind = Command::Kind::Version;
    return cmd;
  }
  if (first == "serve") return parse_serve(args, 1, environment);
  if (first == "token") return parse_token(args, 1);
  if (first == "import") return parse_import(args);
  if (first == "backup") return parse_backup(args);
  if (first == "restore") return parse_restore(args);
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
         "  rollcall import --data-dir DIR --oneroster DIR|ZIP\n"
         "                               merge a OneRoster 1.1 CSV export into the roster\n"
         "                               (server stopped; rollcall import --help)\n"
         "  rollcall backup --data-dir DIR --to FILE\n"
         "                               a consistent copy, server running or not\n"
         "  rollcall restore --from FILE --data-dir NEWDIR\n"
         "                               a data directory to serve from, checksums verified\n"
         "  rollcall wal verify --data-dir DIR   check a data directory's log offline\n"
         "  rollcall wal dump --data-dir DIR     print its log records as JSON lines\n"
         "  rollcall --help              show this help\n"
         "  rollcall --version           print the version\n";
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

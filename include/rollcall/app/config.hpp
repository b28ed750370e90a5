#pragma once
/// Command-line configuration of `rollcall serve`, parsed and validated up front so
/// a bad flag ends the process with one clear line before anything starts.

#include <cstdint>
#include <string>
#include <vector>

#include "rollcall/common/result.hpp"

namespace rollcall::app {

struct ServeConfig {
  std::string listen = "0.0.0.0:8080";
  std::string data_dir = "./rollcall-data";
  unsigned shards = 0;  ///< 0 until resolved: number of usable cores
  bool demo = false;
  std::string web_dir;                    ///< empty until resolved: the installed web app
  std::uint32_t max_connections = 20000;  ///< per process, split evenly over shards
  std::uint32_t header_timeout_ms = 10000;
  std::uint32_t idle_timeout_ms = 60000;
  std::uint32_t head_bytes_max = 16 * 1024;
  std::uint64_t body_bytes_max = 1024 * 1024;
  std::uint32_t shutdown_timeout_ms = 10000;
  std::uint32_t recv_buffers = 2048;  ///< provided receive buffers per shard (power of two)
  std::uint32_t demo_classes = 12;
  std::uint32_t demo_class_size = 30;
  std::uint32_t qr_rotation_s = 15;
  std::string public_url;  ///< base of QR check-in URLs; empty: the request's Host
  bool ws_echo = false;
  std::uint32_t ring_events = 4096;
  std::uint64_t ring_bytes = 1 << 20;
  std::uint64_t ws_backlog_bytes_max = 1 << 20;
  std::uint32_t ws_ping_interval_ms = 30'000;
  std::uint32_t ws_silence_timeout_ms = 75'000;
  std::uint32_t sync_clock_skew_s = 120;
  std::uint64_t wal_segment_bytes = 64ull << 20;
  std::uint64_t wal_snapshot_bytes = 64ull << 20;
  std::string log_level = "info";
};

struct TokenConfig {
  std::string data_dir = "./rollcall-data";
  std::vector<std::string> usernames;  // --user, repeatable: one JWT per line, in order
  std::int64_t ttl_s = 3600;
};

struct ImportArgs {
  std::string data_dir = "./rollcall-data";
  std::string oneroster_dir;
};

/// What the command line asked for.
struct Command {
  enum class Kind { Serve, Token, Import, WalVerify, WalDump, Help, Version };
  Kind kind = Kind::Help;
  std::string help_topic;  ///< "" for general help, "serve"/"token"/"import"/"wal" for theirs
  ServeConfig serve;
  TokenConfig token;
  ImportArgs import;
  std::string data_dir = "./rollcall-data";  ///< wal verify / wal dump
};

/// Parses argv (without the program name). Errors name the flag and what is wrong.
Result<Command> parse_command_line(const std::vector<std::string>& args);

/// Help texts printed by --help.
std::string general_help();
std::string serve_help();
std::string token_help();
std::string wal_help();

/// Number of cores this process may run on.
unsigned usable_cores();
/// The web app directory used when --web-dir is not given.
std::string default_web_dir();

}  // namespace rollcall::app

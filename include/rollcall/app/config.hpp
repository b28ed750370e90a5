#pragma once
/// Command-line configuration of `rollcall serve`, parsed and validated up front so
/// a bad flag ends the process with one clear line before anything starts.

#include <cstdint>
#include <string>
#include <vector>

#include "rollcall/api/services.hpp"
#include "rollcall/app/backup_cmd.hpp"
#include "rollcall/app/demo.hpp"
#include "rollcall/common/result.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/live/feed.hpp"
#include "rollcall/net/ip_address.hpp"
#include "rollcall/push/worker.hpp"
#include "rollcall/shard/shard.hpp"
#include "rollcall/wal/engine.hpp"

namespace rollcall::app {

inline constexpr const char* kDataDirDefault = "./rollcall-data";

/// `rollcall serve`'s settings. Each default is the default of the part it
/// configures (one place per default); the flag table (serve_flags.hpp) parses
/// them and prints them in `--help`.
struct ServeConfig {
  std::string listen = "0.0.0.0:8080";
  std::string data_dir = kDataDirDefault;
  unsigned shards = 0;  ///< 0 until resolved: number of usable cores
  bool demo = false;
  bool pin_shards = false;  ///< shard i on the i-th allowed core; off: the OS places them
  std::string web_dir;      ///< empty until resolved: the installed web app
  std::uint32_t max_connections = 20000;        ///< per process, split evenly over shards
  std::uint32_t max_connections_per_ip = 1000;  ///< per client address, trusted proxies exempt
  std::uint32_t header_timeout_ms = http::ServerConfig{}.header_timeout_ms;
  std::uint32_t idle_timeout_ms = http::ServerConfig{}.idle_timeout_ms;
  std::uint32_t head_bytes_max = static_cast<std::uint32_t>(http::Limits{}.head_bytes_max);
  std::uint64_t body_bytes_max = http::Limits{}.body_bytes_max;
  std::uint32_t shutdown_timeout_ms = shard::ShardConfig{}.shutdown_timeout_ms;
  std::uint32_t recv_buffers = shard::ShardConfig{}.recv_buffers;
  std::uint32_t demo_classes = DemoSpec{}.classes;
  std::uint32_t demo_class_size = DemoSpec{}.class_size;
  std::uint32_t qr_rotation_s = api::Services::kQrRotationSDefault;
  std::string public_url;        ///< base of QR check-in URLs; empty: the request's Host
  std::string timezone = "UTC";  ///< the district's IANA zone (checked by the flag table)
  bool ws_echo = false;
  std::uint32_t ring_events = live::LiveConfig{}.ring_events;
  std::uint64_t ring_bytes = live::LiveConfig{}.ring_bytes;
  std::uint64_t ws_backlog_bytes_max = shard::ShardConfig{}.out_bytes_max;
  std::uint32_t send_timeout_ms = shard::ShardConfig{}.send_timeout_ms;
  std::uint32_t ws_ping_interval_ms = live::LiveConfig{}.ping_interval_ms;
  std::uint32_t ws_silence_timeout_ms = live::LiveConfig{}.silence_timeout_ms;
  std::uint64_t ws_message_bytes_max = live::LiveConfig{}.message_bytes_max;
  std::uint32_t max_subscriptions_per_user = live::LiveConfig{}.subscriptions_per_user_max;
  std::uint32_t sync_clock_skew_s = api::Services::kSyncClockSkewSDefault;
  std::uint32_t sync_max_offline_s = api::Services::kSyncMaxOfflineSDefault;
  std::uint64_t wal_segment_bytes = wal::EngineConfig{}.segment_bytes;
  std::uint64_t wal_snapshot_bytes = wal::EngineConfig{}.checkpoint_after_bytes;
  std::string log_level = "info";
  /// `--trusted-proxy`, repeatable: addresses and networks whose X-Forwarded-For
  /// names the client (api/client_address.hpp), exempt from the per-address cap;
  /// parsed once, with the flags, and shared read-only by everything that asks.
  net::AddressSet trusted_proxies;
  /// `--proxy-protocol`: connections from `trusted_proxies` start with a PROXY
  /// header naming the client (shard/proxy_intake.hpp).
  bool proxy_protocol = false;
  // Web Push (API.md §8; push/worker.hpp, push/sender.hpp).
  std::string push_contact = push::WorkerConfig{}.contact;
  std::uint32_t push_ttl_s = push::WorkerConfig{}.ttl_s;
  std::uint32_t push_batch_ms = push::WorkerConfig{}.batch_ms;
  std::string push_ca_file;  ///< extra trusted CAs for push services; empty: the system's only
  bool push_allow_private = false;
  std::uint64_t push_queue_max = push::SenderConfig{}.queue_max;
  std::uint32_t push_host_concurrency = push::SenderConfig{}.host_concurrency;
  std::uint32_t push_timeout_ms = push::SenderConfig{}.timeout_ms;
};

struct TokenConfig {
  std::string data_dir = kDataDirDefault;
  std::vector<std::string> usernames;  // --user, repeatable: one JWT per line, in order
  std::int64_t ttl_s = 3600;
};

struct ImportArgs {
  std::string data_dir = kDataDirDefault;
  std::string oneroster_dir;
};

/// What the command line asked for.
struct Command {
  enum class Kind { Serve, Token, Import, Backup, Restore, WalVerify, WalDump, Help, Version };
  Kind kind = Kind::Help;
  std::string help_topic;  ///< "" for general help, else the command whose help
  ServeConfig serve;
  TokenConfig token;
  ImportArgs import;
  BackupArgs backup;
  RestoreArgs restore;
  std::string data_dir = kDataDirDefault;  ///< wal verify / wal dump
};

/// Parses argv (without the program name). `serve` also reads a --config file and,
/// from `environment` (NAME=VALUE strings, environ's form), the ROLLCALL_<FLAG>
/// variables (serve_flags.hpp). Errors name the flag and what is wrong, and the
/// file line or variable a value came from.
Result<Command> parse_command_line(const std::vector<std::string>& args,
                                   const std::vector<std::string>& environment);
/// The same with this process's environment.
Result<Command> parse_command_line(const std::vector<std::string>& args);
/// This process's environment, NAME=VALUE strings.
std::vector<std::string> process_environment();

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

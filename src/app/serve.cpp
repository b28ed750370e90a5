#include "rollcall/app/serve.hpp"

#include <sodium.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <unordered_map>
#include <variant>
#include <vector>

#include "rollcall/api/context.hpp"
#include "rollcall/api/durability.hpp"
#include "rollcall/api/feed_store.hpp"
#include "rollcall/api/live.hpp"
#include "rollcall/api/routes.hpp"
#include "rollcall/app/checkpoint.hpp"
#include "rollcall/app/data_dir.hpp"
#include "rollcall/app/demo.hpp"
#include "rollcall/app/ops_routes.hpp"
#include "rollcall/auth/secret.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/http/static_files.hpp"
#include "rollcall/net/listener.hpp"
#include "rollcall/shard/runtime.hpp"
#include "rollcall/wal/recovery.hpp"
#include "rollcall/wal/roster_file.hpp"
#include "rollcall/wal/store.hpp"
#include "rollcall_build_config.h"

namespace rollcall::app {

namespace {

int refuse(const std::string& why) {
  std::fprintf(stderr, "rollcall: %s\n", why.c_str());
  return 1;
}

log::Level level_of(const std::string& name) {
  if (name == "debug") return log::Level::Debug;
  if (name == "warn") return log::Level::Warn;
  if (name == "error") return log::Level::Error;
  return log::Level::Info;
}

// Raises the open-files soft limit to the hard limit; returns the soft limit in force.
rlim_t raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

// The roster a fresh data directory starts from: the seed file (import or an
// earlier --demo) if present; else with --demo the demo district, saved as the seed
// so `rollcall token` and restarts see it; else an empty roster. Once the log has a
// generation, recovery reads the roster from the log instead.
Result<std::shared_ptr<const domain::Roster>> seed_roster(const ServeConfig& config,
                                                          const std::string& data_dir) {
  const std::string path = wal::seed_roster_path(data_dir);
  if (::access(path.c_str(), F_OK) == 0) return wal::read_roster_file(path);
  if (!wal::active_roster_path(data_dir).empty())
    return domain::RosterBuilder().build();  // the log has it
  if (!config.demo) {
    log::warn("no_roster", {{"path", path}, {"hint", "start with --demo, or import a roster"}});
    return domain::RosterBuilder().build();
  }
  std::shared_ptr<const domain::Roster> demo =
      build_demo_roster({config.demo_classes, config.demo_class_size});
  if (Status saved = wal::write_roster_file(path, *demo); !saved) return Error{saved.error()};
  const std::uint32_t teachers = (config.demo_classes + 2) / 3;
  const std::uint64_t students =
      static_cast<std::uint64_t>(config.demo_classes) * config.demo_class_size;
  std::printf(
      "demo district seeded: %u classes, 1 admin, %u teachers, %llu students; password %s\n",
      config.demo_classes, teachers, static_cast<unsigned long long>(students), kDemoPassword);
  std::printf(
      "  admin:    admin\n  teachers: teacher1 .. teacher%u\n  students: student001 .. %s\n",
      teachers, demo->user(domain::UserId{1 + teachers + students})->username.c_str());
  log::info("demo_seeded", {{"classes", config.demo_classes},
                            {"students", static_cast<unsigned long long>(students)}});
  return demo;
}

}  // namespace

int run_serve(const ServeConfig& config) {
  log::set_min_level(level_of(config.log_level));
  if (sodium_init() < 0) return refuse("libsodium failed to initialise");

  Result<net::ListenAddress> address = net::parse_listen_address(config.listen);
  if (!address) return refuse(address.error());

  Result<DataDir> data_dir = DataDir::open(config.data_dir);
  if (!data_dir) return refuse(data_dir.error());

  Result<http::StaticFiles> files = http::StaticFiles::load(config.web_dir, {});
  if (!files) return refuse(files.error());

  const rlim_t open_files = raise_open_files_limit();
  if (open_files != RLIM_INFINITY && open_files < config.max_connections + 64) {
    log::warn("open_files_limit_low",
              {{"limit", static_cast<unsigned long long>(open_files)},
               {"max_connections", config.max_connections},
               {"effect", "accepts beyond the limit fail and are counted"}});
  }

  // SIGTERM/SIGINT are read by shard 0 from a signalfd; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // A file-size limit (ulimit -f) must make log writes fail with EFBIG (answered
  // 503, counted, logged) rather than kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) return refuse("cannot create signalfd");

  Result<std::vector<int>> listeners = net::open_listeners(*address, config.shards, 4096);
  if (!listeners) return refuse(listeners.error());

  Result<auth::Key> secret = auth::load_or_create_secret(data_dir->path() + "/jwt.secret");
  if (!secret) return refuse(secret.error());
  Result<std::shared_ptr<const domain::Roster>> seed = seed_roster(config, data_dir->path());
  if (!seed) return refuse(seed.error());
  std::vector<std::unordered_map<domain::ClassId, domain::ClassAttendance>> owned;
  std::vector<api::StoredFeeds> stored_feeds;
  const auth::Key epoch_key = auth::derive_key(*secret, "epoch");
  Result<wal::RecoveredState> recovered = recover_and_checkpoint(
      {config.shards, config.ring_events}, data_dir->path(), *seed, owned, stored_feeds, epoch_key);
  if (!recovered) return refuse(recovered.error());
  const std::shared_ptr<const domain::Roster> roster = recovered->roster;
  const wal::LogStore log_store(data_dir->path());

  shard::Runtime::Options options;
  options.shard_count = config.shards;
  options.aux_shard_count = 1;  // the auth shard: Argon2id off the connection shards
  options.listen_fds = *listeners;
  options.signal_fd = signal_fd;
  options.shard.max_connections = (config.max_connections + config.shards - 1) / config.shards;
  options.shard.shutdown_timeout_ms = config.shutdown_timeout_ms;
  options.shard.recv_buffers = config.recv_buffers;
  shard::Runtime runtime(std::move(options));

  api::Services services(auth::derive_key(*secret, "jwt"), auth::derive_key(*secret, "qr"));
  services.qr_rotation_s = config.qr_rotation_s;
  services.public_url = config.public_url;
  services.data_shards = config.shards;
  services.auth_shard = config.shards;
  services.snapshot_after_bytes = config.wal_snapshot_bytes;
  services.sync_clock_skew_ms = static_cast<std::int64_t>(config.sync_clock_skew_s) * 1000;
  api::LiveConfig live_config;
  live_config.ring_events = config.ring_events;
  live_config.ring_bytes = config.ring_bytes;
  live_config.backlog_bytes_max = config.ws_backlog_bytes_max;
  live_config.ping_interval_ms = config.ws_ping_interval_ms;
  live_config.silence_timeout_ms = config.ws_silence_timeout_ms;
  live_config.epoch_key = epoch_key;
  live_config.generation = recovered->generation;
  services.live = &live_config;

  http::ServerConfig http_config;
  http_config.header_timeout_ms = config.header_timeout_ms;
  http_config.idle_timeout_ms = config.idle_timeout_ms;
  http_config.limits.head_bytes_max = config.head_bytes_max;
  http_config.limits.body_bytes_max = config.body_bytes_max;

  metrics::Exposition exposition(runtime.all_metrics(), runtime.data_shard_count());
  exposition.set_recovery(recovered->seconds, recovered->records_replayed);
  OpsContext ops{&runtime, &exposition, &files.value()};

  // Per shard: its state, its router (handlers get that shard's state), its HTTP server.
  const unsigned all_shards = runtime.shard_count();
  std::vector<std::unique_ptr<api::ShardState>> states;
  std::vector<std::unique_ptr<http::Router>> routers;
  std::vector<std::unique_ptr<http::Server>> servers;
  std::vector<std::unique_ptr<api::LiveEndpoint>> endpoints;
  for (unsigned i = 0; i < all_shards; ++i) {
    shard::Shard& s = runtime.shard(i);
    auto st = std::make_unique<api::ShardState>();
    st->shard = &s;
    st->services = &services;
    st->roster = roster;
    st->roster_head = roster;
    s.set_context(st.get());
    if (i < config.shards) {
      st->classes = std::move(owned[i]);
      for (const auto& [cls, stored] : stored_feeds[i]) {
        api::restore_feed(st->feeds[cls], stored, live_config, config.shards);
      }
      st->generation = recovered->generation;
      st->log_dir = log_store.shard_dir(recovered->generation, i);
      st->log = std::make_unique<wal::LogWriter>(
          wal::LogWriterConfig{st->log_dir, i, recovered->generation, 1, config.wal_segment_bytes});
      st->log_io = std::make_unique<api::ShardLog>(s, *st->log);
      s.set_log_completions(st->log_io.get());
      endpoints.push_back(std::make_unique<api::LiveEndpoint>(*st, live_config));
      st->live = endpoints.back().get();
      auto router = std::make_unique<http::Router>();
      api::add_api_routes(*router, *st);
      api::add_live_routes(*router, *st, config.ws_echo);
      add_ops_routes(*router, ops);
      servers.push_back(std::make_unique<http::Server>(http_config, *router, s.metrics(),
                                                       s.connections().capacity()));
      st->http = servers.back().get();
      routers.push_back(std::move(router));
    }
    states.push_back(std::move(st));
  }
  Status started = runtime.start(
      [&servers](shard::Shard& s) -> net::ConnectionHandler* {
        return s.id() < servers.size() ? servers[s.id()].get() : nullptr;
      },
      [&config](shard::Shard& s) {
        // Group commit: the turn's log batch goes to the ring with the turn's sends.
        if (s.id() < config.shards)
          s.add_poller([](shard::Shard& self) { return api::log_turn(api::ShardState::of(self)); });
      });
  if (!started) return refuse(started.error());

  const std::string where = net::format_host_port(*address);
  log::info("started",
            {{"version", ROLLCALL_VERSION},
             {"shards", config.shards},
             {"ring_mode", runtime.shard(0).ring_mode()},
             {"max_connections", config.max_connections},
             {"data_dir", data_dir->path()},
             {"web_dir", config.web_dir},
             {"web_files", static_cast<unsigned long>(files->file_count())},
             {"users", static_cast<unsigned long>(roster->user_count())},
             {"classes", static_cast<unsigned long>(roster->class_count())},
             {"log_generation", static_cast<unsigned long long>(recovered->generation)}});
  if (files->find("/index.html") == nullptr) {
    // Not fatal (the API, WebSocket and metrics work without it), but "/" answers 404.
    log::warn(
        "web_app_missing",
        {{"web_dir", config.web_dir},
         {"effect", "the browser app is not served; / answers 404"},
         {"fix",
          "build it (cd web && npm ci && npm run build; tools/demo does) or pass --web-dir"}});
  }
  std::printf("rollcall listening on http://%s\n", where.c_str());
  std::fflush(stdout);
  log::info("listening", {{"address", where}});

  runtime.join();
  ::close(signal_fd);
  log::info("stopped", {});
  return 0;
}

}  // namespace rollcall::app

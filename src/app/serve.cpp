// `rollcall serve`: composition. Everything here builds and connects parts that
// know nothing of each other; none of it runs on the request path.

#include "rollcall/app/serve.hpp"

#include <sodium.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <vector>

#include "rollcall/api/auth_worker.hpp"
#include "rollcall/api/push_routes.hpp"
#include "rollcall/api/routes.hpp"
#include "rollcall/api/shard_api.hpp"
#include "rollcall/app/checkpoint.hpp"
#include "rollcall/app/data_dir.hpp"
#include "rollcall/app/demo.hpp"
#include "rollcall/app/ops_routes.hpp"
#include "rollcall/app/roster_import.hpp"
#include "rollcall/auth/secret.hpp"
#include "rollcall/common/assert.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/http/static_files.hpp"
#include "rollcall/live/endpoint.hpp"
#include "rollcall/live/feed.hpp"
#include "rollcall/net/address_admission.hpp"
#include "rollcall/net/listener.hpp"
#include "rollcall/owner/owner.hpp"
#include "rollcall/push/vapid.hpp"
#include "rollcall/push/worker.hpp"
#include "rollcall/shard/proxy_intake.hpp"
#include "rollcall/shard/runtime.hpp"
#include "rollcall/wal/engine.hpp"
#include "rollcall/wal/roster_file.hpp"
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

// Raises the open-files soft limit to the hard limit; warns if it stays too low.
void raise_open_files_limit(std::uint32_t max_connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < max_connections + 64) {
    log::warn("open_files_limit_low",
              {{"limit", static_cast<unsigned long long>(lim.rlim_cur)},
               {"max_connections", max_connections},
               {"effect", "accepts beyond the limit fail and are counted"}});
  }
}

// SIGTERM/SIGINT are read by shard 0 from a signalfd; every thread inherits the mask.
int block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // A file-size limit (ulimit -f) must make log writes fail with EFBIG (answered
  // 503, counted, logged) rather than kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  return signalfd(-1, &signals, SFD_CLOEXEC);
}

void print_demo_seeded(const ServeConfig& config, const domain::Roster& demo) {
  const std::uint32_t teachers = (config.demo_classes + 2) / 3;
  const std::uint64_t students =
      static_cast<std::uint64_t>(config.demo_classes) * config.demo_class_size;
  std::printf(
      "demo district seeded: %u classes, 1 admin, %u teachers, %llu students; password %s\n",
      config.demo_classes, teachers, static_cast<unsigned long long>(students), kDemoPassword);
  std::printf(
      "  admin:    admin\n  teachers: teacher1 .. teacher%u\n  students: student001 .. %s\n",
      teachers, demo.user(domain::UserId{1 + teachers + students})->username.c_str());
  log::info("demo_seeded", {{"classes", config.demo_classes},
                            {"students", static_cast<unsigned long long>(students)}});
}

// The roster a fresh data directory starts from: the seed file (import or an
// earlier --demo) if present; else with --demo the demo district, saved as the seed
// so `rollcall token` and restarts see it; else an empty roster. Once the log has a
// generation, recovery reads the roster from the log instead.
Result<std::shared_ptr<const domain::Roster>> seed_roster(const ServeConfig& config,
                                                          const std::string& data_dir) {
  const std::string path = wal::seed_roster_path(data_dir);
  if (::access(path.c_str(), F_OK) == 0) return wal::read_roster_file(path);
  if (!wal::active_roster_path(data_dir).empty()) return domain::RosterBuilder().build();
  if (!config.demo) {
    log::warn("no_roster", {{"path", path}, {"hint", "start with --demo, or import a roster"}});
    return domain::RosterBuilder().build();
  }
  std::shared_ptr<const domain::Roster> demo =
      build_demo_roster({config.demo_classes, config.demo_class_size});
  if (Status saved = wal::write_roster_file(path, *demo); !saved) return Error{saved.error()};
  print_demo_seeded(config, *demo);
  return demo;
}

// `--max-connections-per-ip`, the trusted proxies exempt (every client comes through
// them). The set is the flags' one parse, alive as long as `config`.
std::unique_ptr<net::AddressAdmission> per_address_cap(const ServeConfig& config) {
  return std::make_unique<net::AddressAdmission>(config.max_connections_per_ip,
                                                 config.trusted_proxies);
}

shard::Runtime::Options runtime_options(const ServeConfig& config, std::vector<int> listeners,
                                        int signal_fd, net::AddressAdmission* per_address) {
  shard::Runtime::Options options;
  options.shard_count = config.shards;
  // The auth shard (Argon2id off the connection shards) and the import shard.
  options.aux_shard_count = 2;
  options.listen_fds = std::move(listeners);
  options.signal_fd = signal_fd;
  options.shard.max_connections = (config.max_connections + config.shards - 1) / config.shards;
  options.shard.shutdown_timeout_ms = config.shutdown_timeout_ms;
  options.shard.recv_buffers = config.recv_buffers;
  options.shard.out_bytes_max = config.ws_backlog_bytes_max;
  options.shard.send_timeout_ms = config.send_timeout_ms;
  options.shard.per_address = per_address;
  options.shard.pin_to_core = config.pin_shards;
  return options;
}

push::WorkerConfig push_config(const ServeConfig& config) {
  push::WorkerConfig c;
  c.contact = config.push_contact;
  c.ttl_s = config.push_ttl_s;
  c.batch_ms = config.push_batch_ms;
  c.sender.queue_max = config.push_queue_max;
  c.sender.host_concurrency = config.push_host_concurrency;
  c.sender.timeout_ms = config.push_timeout_ms;
  c.sender.ca_file = config.push_ca_file;
  c.sender.allow_private = config.push_allow_private;
  return c;
}

std::unique_ptr<api::Services> make_services(const ServeConfig& config, const auth::Key& secret) {
  auto s = std::make_unique<api::Services>(auth::derive_key(secret, "jwt"),
                                           auth::derive_key(secret, "qr"), config.trusted_proxies);
  s->qr_rotation_s = config.qr_rotation_s;
  s->public_url = config.public_url;
  Result<TimeZone> zone = TimeZone::named(config.timezone);
  RC_ASSERT(zone.ok());  // checked with the flag
  s->time_zone = *zone;
  s->time_zone.install();  // before any shard starts
  s->data_shards = config.shards;
  s->auth_shard = config.shards;
  s->sync_clock_skew_ms = static_cast<std::int64_t>(config.sync_clock_skew_s) * 1000;
  s->sync_max_offline_ms = static_cast<std::int64_t>(config.sync_max_offline_s) * 1000;
  s->push_allow_private = config.push_allow_private;
  return s;
}

live::LiveConfig live_config(const ServeConfig& config, const auth::Key& epoch_key,
                             std::uint64_t generation) {
  live::LiveConfig c;
  c.ring_events = config.ring_events;
  c.ring_bytes = config.ring_bytes;
  c.ping_interval_ms = config.ws_ping_interval_ms;
  c.silence_timeout_ms = config.ws_silence_timeout_ms;
  c.message_bytes_max = config.ws_message_bytes_max;
  c.subscriptions_per_user_max = config.max_subscriptions_per_user;
  c.epoch_key = epoch_key;
  c.generation = generation;
  return c;
}

http::ServerConfig http_config(const ServeConfig& config) {
  http::ServerConfig c;
  c.header_timeout_ms = config.header_timeout_ms;
  c.idle_timeout_ms = config.idle_timeout_ms;
  c.limits.head_bytes_max = config.head_bytes_max;
  c.limits.body_bytes_max = config.body_bytes_max;
  return c;
}

// `--proxy-protocol`: the trusted proxies' connections start with a PROXY header.
shard::ProxyIntakeConfig intake_config(const ServeConfig& config, net::AddressAdmission* cap) {
  shard::ProxyIntakeConfig c;
  c.senders = config.proxy_protocol ? &config.trusted_proxies : nullptr;
  c.per_address = cap;
  c.header_timeout_ms = config.header_timeout_ms;
  return c;
}

// Every object of a running server, built before the shards start and destroyed
// after they stopped.
struct Assembly {
  std::unique_ptr<api::Services> services;
  live::LiveConfig live;
  http::ServerConfig http;
  api::Directory directory;
  live::Peers peers;
  SharedCounts subscriptions_per_user{1u << 16};  ///< shared by every shard's endpoint
  std::vector<std::unique_ptr<owner::Owner>> owners;
  std::vector<std::unique_ptr<live::Feeds>> feeds;
  std::vector<std::unique_ptr<live::Endpoint>> endpoints;
  std::vector<std::unique_ptr<api::ShardApi>> apis;
  std::vector<std::unique_ptr<http::Router>> routers;
  std::vector<std::unique_ptr<http::Server>> servers;
  std::vector<std::unique_ptr<shard::ProxyIntake>> intakes;  ///< in front of each server
  shard::ProxyIntakeConfig intake;
  std::unique_ptr<api::AuthWorker> auth;
  std::unique_ptr<RosterImports> imports;  ///< on the shard after the auth shard
  push::Worker* push = nullptr;
};

// One data shard's parts: its state of record and log, feeds, endpoint, API, routes.
Status assemble_shard(Assembly& a, shard::Runtime& runtime, unsigned i, Checkpointed& state,
                      storage::Engine& engine, const ServeConfig& config, OpsContext& ops) {
  shard::Shard& s = runtime.shard(i);
  Result<std::unique_ptr<storage::Log>> log = engine.open_log(s, i, state.generation);
  if (!log) return Error{log.error()};
  a.owners.push_back(std::make_unique<owner::Owner>(s, config.shards, state.roster,
                                                    std::move(state.classes[i]), std::move(*log)));
  if (i == owner::kRosterOwner) a.owners.back()->adopt_push(state.push);
  a.feeds.push_back(std::make_unique<live::Feeds>(s, a.live, config.shards));
  a.feeds.back()->restore(state.feeds[i]);
  a.endpoints.push_back(std::make_unique<live::Endpoint>(s, a.live, a.peers));
  a.apis.push_back(std::make_unique<api::ShardApi>(*a.services, a.directory, *a.owners.back(),
                                                   *a.feeds.back(), *a.endpoints.back()));
  auto router = std::make_unique<http::Router>();
  api::add_api_routes(*router, *a.apis.back());
  api::add_live_routes(*router, *a.apis.back(), config.ws_echo);
  add_ops_routes(*router, ops);
  add_import_route(*router, *a.apis.back(), *a.imports);
  a.servers.push_back(
      std::make_unique<http::Server>(a.http, *router, s.registry(), s.connections().capacity()));
  a.apis.back()->http = a.servers.back().get();
  shard::ProxyIntakeConfig intake = a.intake;
  intake.shard_id = i;
  a.intakes.push_back(std::make_unique<shard::ProxyIntake>(
      *a.servers.back(), intake, s.metrics().connections_refused_address, s.registry(),
      s.connections().capacity()));
  a.routers.push_back(std::move(router));
  a.directory.shards.push_back(a.apis.back().get());
  a.peers.owners.push_back(a.owners.back().get());
  a.peers.feeds.push_back(a.feeds.back().get());
  a.peers.endpoints.push_back(a.endpoints.back().get());
  return Ok{};
}

Status assemble(Assembly& a, shard::Runtime& runtime, Checkpointed& state, storage::Engine& engine,
                const ServeConfig& config, OpsContext& ops) {
  a.imports = std::make_unique<RosterImports>(config.shards + 1);
  for (unsigned i = 0; i < config.shards; ++i) {
    if (Status s = assemble_shard(a, runtime, i, state, engine, config, ops); !s) return s;
  }
  for (auto& f : a.feeds) f->connect(a.peers.endpoints);
  a.peers.per_user = &a.subscriptions_per_user;
  // The auth shard's queue holds what every accepting shard's gate lets through.
  const api::LoginLimits& login = a.services->login_limits;
  a.auth = std::make_unique<api::AuthWorker>(
      runtime.shard(config.shards), *a.services,
      static_cast<std::size_t>(login.in_flight_max) * config.shards,
      static_cast<std::size_t>(login.per_address_max) * config.shards);
  a.directory.auth = a.auth.get();
  return Ok{};
}

// Each data shard sends its classes' due digests; the roster owner also deletes,
// durably, the subscriptions push services called gone.
void add_push_pollers(shard::Shard& s, api::ShardApi& api, push::Worker& worker) {
  s.add_poller([&api](shard::Shard&) { return api.push_digests.run(api, wall_ms()); });
  if (s.id() != owner::kRosterOwner) return;
  s.add_poller([&api, &worker](shard::Shard&) {
    if (!worker.has_gone()) return false;
    for (const domain::Unsubscribe& gone : worker.take_gone()) api::push_gone(api, gone);
    return true;
  });
}

// The digests of sessions open at the start that are still ahead (one that fell due
// while the server was down is not sent late).
void schedule_digests(Assembly& a, std::int64_t now_ms) {
  for (auto& api : a.apis) {
    for (const auto& [id, att] : api->owner.classes()) {
      const domain::Session* s = att.open_session();
      if (s == nullptr) continue;
      const std::int64_t due = api::digest_due_ms(*s);
      if (due > now_ms) api->push_digests.add(id, s->id, due);
    }
  }
}

Status start(shard::Runtime& runtime, Assembly& a, unsigned data_shards) {
  return runtime.start(
      [&a](shard::Shard& s) -> net::ConnectionHandler* {
        if (s.id() >= a.servers.size()) return nullptr;
        // Without --proxy-protocol the intake only passes events on: leave it out of
        // the path of every read (its metrics still register, at zero).
        if (a.intake.senders == nullptr) return a.servers[s.id()].get();
        return a.intakes[s.id()].get();
      },
      [&a, data_shards](shard::Shard& s) {
        if (s.id() == a.services->auth_shard) {
          // The auth shard: one password check per turn, reading its mailbox between.
          s.add_poller([&a](shard::Shard&) { return a.auth->serve_one(); });
          return;
        }
        if (s.id() >= data_shards) return;
        // Logins whose client hung up are marked for the auth shard to drop.
        api::LoginGate& gate = a.apis[s.id()]->login_gate;
        s.add_poller([&gate](shard::Shard& self) {
          gate.sweep(self.connections());
          return false;
        });
        owner::Owner& owner = *a.owners[s.id()];
        live::Feeds& feeds = *a.feeds[s.id()];
        // The turn's end: followers hear which classes advanced; the log commits the
        // turn's batch (a checkpoint first, when one is due).
        s.add_poller([&feeds](shard::Shard&) { return feeds.notify(); });
        add_push_pollers(s, *a.apis[s.id()], *a.push);
        s.add_poller([&owner, &feeds](shard::Shard&) {
          owner.end_turn([&feeds] { return feeds.encoded_history(); });
          return false;
        });
      });
}

void announce(const ServeConfig& config, shard::Runtime& runtime, const DataDir& dir,
              const http::StaticFiles& files, const Checkpointed& state,
              const net::ListenAddress& address) {
  const std::string where = net::format_host_port(address);
  log::info("started",
            {{"version", ROLLCALL_VERSION},
             {"shards", config.shards},
             {"ring_mode", runtime.shard(0).ring_mode()},
             {"max_connections", config.max_connections},
             {"trusted_proxies", static_cast<unsigned long>(config.trusted_proxies.size())},
             {"proxy_protocol", config.proxy_protocol},
             {"data_dir", dir.path()},
             {"data_format", dir.format_version()},
             {"web_dir", config.web_dir},
             {"web_files", static_cast<unsigned long>(files.file_count())},
             {"users", static_cast<unsigned long>(state.roster->user_count())},
             {"classes", static_cast<unsigned long>(state.roster->class_count())},
             {"log_generation", static_cast<unsigned long long>(state.generation)}});
  if (files.find("/index.html") == nullptr) {
    // Not fatal (the API, WebSocket and metrics work without it), but "/" answers 404.
    log::warn("web_app_missing",
              {{"web_dir", config.web_dir},
               {"effect", "the browser app is not served; / answers 404"},
               {"fix",
                "build it (cd web && npm ci && npm run build; tools/demo does) or pass "
                "--web-dir"}});
  }
  std::printf("rollcall listening on http://%s\n", where.c_str());
  std::fflush(stdout);
  log::info("listening", {{"address", where}});
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
  raise_open_files_limit(config.max_connections);
  const int signal_fd = block_signals();
  if (signal_fd < 0) return refuse("cannot create signalfd");
  Result<std::vector<int>> listeners = net::open_listeners(*address, config.shards, 4096);
  if (!listeners) return refuse(listeners.error());
  Result<auth::Key> secret = auth::load_or_create_secret(data_dir->path() + "/jwt.secret");
  if (!secret) return refuse(secret.error());
  Result<std::shared_ptr<const domain::Roster>> seed = seed_roster(config, data_dir->path());
  if (!seed) return refuse(seed.error());
  const auth::Key epoch_key = auth::derive_key(*secret, "epoch");
  storage::Health storage_health(config.shards);  // each shard's log marks its own failure
  wal::Engine engine(
      {data_dir->path(), config.wal_segment_bytes, config.wal_snapshot_bytes, &storage_health});
  Result<Checkpointed> state =
      recover_and_checkpoint(engine, {config.shards, config.ring_events}, *seed, epoch_key);
  if (!state) return refuse(state.error());
  Result<push::VapidKeys> vapid = push::VapidKeys::load_or_create(data_dir->path());
  if (!vapid) return refuse(vapid.error());
  Result<std::unique_ptr<push::Worker>> made =
      push::Worker::create(push_config(config), std::move(*vapid), state->push);
  if (!made) return refuse(made.error());
  push::Worker& push_worker = **made;

  const std::unique_ptr<net::AddressAdmission> per_address = per_address_cap(config);
  shard::Runtime runtime(
      runtime_options(config, std::move(*listeners), signal_fd, per_address.get()));
  // /metrics: the process's figures, then every shard's groups (each part adds its
  // own to its shard's registry as it is assembled below).
  const ProcessMetrics process{runtime.data_shard_count(),
                               runtime.shard_count() - runtime.data_shard_count(), state->seconds,
                               state->commands_replayed};
  metrics::Registry process_registry;
  process_registry.add(process);
  process_registry.add(push_worker.metrics());
  process_registry.add(push_worker.sender_metrics());
  process_registry.seal();
  std::vector<const metrics::Registry*> registries = runtime.registries();
  registries.insert(registries.begin(), &process_registry);
  const metrics::Exposition exposition(std::move(registries));
  OpsContext ops{&runtime, &exposition, &files.value(), &storage_health};
  Assembly a;
  a.services = make_services(config, *secret);
  a.services->vapid_public_key = push_worker.public_key_b64url();
  a.services->push_worker = &push_worker;
  a.push = &push_worker;
  a.live = live_config(config, epoch_key, state->generation);
  a.http = http_config(config);
  a.intake = intake_config(config, per_address.get());
  if (Status s = assemble(a, runtime, *state, engine, config, ops); !s) return refuse(s.error());
  schedule_digests(a, wall_ms());
  push_worker.start();
  if (Status s = start(runtime, a, config.shards); !s) return refuse(s.error());
  announce(config, runtime, *data_dir, *files, *state, *address);
  runtime.join();
  push_worker.stop();  // what still waits for a push service is dropped
  ::close(signal_fd);
  log::info("stopped", {});
  return 0;
}

}  // namespace rollcall::app

#include "rollcall/app/ops_routes.hpp"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "rollcall/http/server.hpp"
#include "rollcall_build_config.h"

namespace rollcall::app {

namespace {

// Resident set size from /proc, read at scrape time.
std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

void healthz(const OpsContext&, http::Exchange& ex) {
  ex.respond_json(200, R"({"status":"ok"})");
}

// "the log of shard 1 failed: ...": which shard, and that only a restart helps.
std::string storage_failure(unsigned first, unsigned count) {
  std::string what = count == 1 ? "the log of shard " + std::to_string(first) + " failed"
                                : "the logs of " + std::to_string(count) +
                                      " shards failed (shard " + std::to_string(first) + " first)";
  return what + ": writes to " + (count == 1 ? "its" : "their") +
         " classes are refused until rollcall is restarted (the wal_failed log line says why)";
}

void readyz(const OpsContext& ops, http::Exchange& ex) {
  // A failed log stays failed, also while shutting down: that is what needs a look.
  const std::optional<unsigned> failed =
      ops.storage != nullptr ? ops.storage->first_failed() : std::nullopt;
  if (failed) {
    ex.respond_error(503, "storage_unavailable",
                     storage_failure(*failed, ops.storage->failed_count()));
  } else if (ops.runtime->ready()) {
    ex.respond_json(200, R"({"status":"ready"})");
  } else if (ops.runtime->shutting_down()) {
    ex.respond_error(503, "shutting_down", "the server is shutting down");
  } else {
    ex.respond_error(503, "starting", "the server is still starting");
  }
}

void metrics_text(const OpsContext& ops, http::Exchange& ex) {
  std::string& body = ex.scratch();
  ops.exposition->render(body);
  ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", body);
}

bool has_prefix_segment(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

void fallback(const OpsContext& ops, http::Exchange& ex) {
  const std::string_view path = ex.request.path;
  if (has_prefix_segment(path, "/api") || has_prefix_segment(path, "/ws") ||
      has_prefix_segment(path, "/metrics")) {
    ex.respond_error(404, "not_found", "no such resource");
    return;
  }
  ops.files->serve(ex);
}

}  // namespace

void ProcessMetrics::describe(metrics::Sink& s) const {
  s.family("rollcall_build_info", "Build information; always 1.")
      .value(std::uint64_t{1}, {"version", ROLLCALL_VERSION});
  s.family("rollcall_shards", "Shards accepting connections (--shards).")
      .value(std::uint64_t{shards});
  s.family("rollcall_aux_shards",
           "Auxiliary shards (password hashing, roster imports), without connections.")
      .value(std::uint64_t{aux_shards});
  s.family("rollcall_recovery_seconds", "Time start-up recovery took.").value(recovery_seconds);
  s.family("rollcall_recovery_records", "Log records replayed at start-up.")
      .value(recovery_records);
  s.family("rollcall_process_resident_memory_bytes", "Resident set size of the process.")
      .value(resident_bytes());
}

void add_ops_routes(http::Router& router, OpsContext& context) {
  auto bind = [&context](void (*fn)(const OpsContext&, http::Exchange&)) {
    return [&context, fn](http::Exchange& ex) { fn(context, ex); };
  };
  router.add("GET", "/healthz", bind(healthz));
  router.add("GET", "/readyz", bind(readyz));
  router.add("GET", "/metrics", bind(metrics_text));
  router.set_fallback(bind(fallback));
}

}  // namespace rollcall::app

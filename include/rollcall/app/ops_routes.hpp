#pragma once
/// Operations endpoints: /healthz, /readyz, /metrics, and the static-file fallback.

#include <cstdint>

#include "rollcall/http/router.hpp"
#include "rollcall/http/static_files.hpp"
#include "rollcall/metrics/metrics.hpp"
#include "rollcall/shard/runtime.hpp"
#include "rollcall/storage/health.hpp"

namespace rollcall::app {

/// The process-wide figures /metrics shows besides the shards' groups: build,
/// shard counts, start-up recovery, resident memory (read at scrape time).
/// Described in ops_routes.cpp; set before the shards start.
struct ProcessMetrics {
  unsigned shards = 0;      ///< shards accepting connections (--shards)
  unsigned aux_shards = 0;  ///< auxiliary shards (password hashing, roster imports)
  double recovery_seconds = 0;
  std::uint64_t recovery_records = 0;

  void describe(metrics::Sink& s) const;
};

/// State the operations handlers read; must outlive the runtime.
struct OpsContext {
  shard::Runtime* runtime = nullptr;
  const metrics::Exposition* exposition = nullptr;
  const http::StaticFiles* files = nullptr;
  /// Whether a shard's log failed (/readyz: 503 storage_unavailable); may be null.
  const storage::Health* storage = nullptr;
};

/// Registers /healthz, /readyz, /metrics and the fallback (web app files; JSON 404
/// under /api and /ws). /readyz: 200 once every shard runs; 503 `starting`,
/// `shutting_down`, or `storage_unavailable` from the moment a shard's log failed
/// until a restart (its writes are refused: not ready, though alive).
void add_ops_routes(http::Router& router, OpsContext& context);

}  // namespace rollcall::app

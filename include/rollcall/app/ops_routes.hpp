#pragma once
/// Operations endpoints: /healthz, /readyz, /metrics, and the static-file fallback.

#include "rollcall/http/router.hpp"
#include "rollcall/http/static_files.hpp"
#include "rollcall/metrics/metrics.hpp"
#include "rollcall/shard/runtime.hpp"

namespace rollcall::app {

/// State the operations handlers read; must outlive the runtime.
struct OpsContext {
  shard::Runtime* runtime = nullptr;
  const metrics::Exposition* exposition = nullptr;
  const http::StaticFiles* files = nullptr;
};

/// Registers /healthz, /readyz, /metrics and the fallback (web app files; JSON 404
/// under /api and /ws).
void add_ops_routes(http::Router& router, OpsContext& context);

}  // namespace rollcall::app

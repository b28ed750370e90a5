#include "rollcall/app/ops_routes.hpp"

#include "rollcall/http/server.hpp"

namespace rollcall::app {

namespace {

void healthz(void*, http::Exchange& ex) {
  ex.respond_json(200, R"({"status":"ok"})");
}

void readyz(void* ctx, http::Exchange& ex) {
  const auto& ops = *static_cast<OpsContext*>(ctx);
  if (ops.runtime->ready()) {
    ex.respond_json(200, R"({"status":"ready"})");
  } else if (ops.runtime->shutting_down()) {
    ex.respond_error(503, "shutting_down", "the server is shutting down");
  } else {
    ex.respond_error(503, "starting", "the server is still starting");
  }
}

void metrics_text(void* ctx, http::Exchange& ex) {
  const auto& ops = *static_cast<OpsContext*>(ctx);
  std::string& body = ex.scratch();
  ops.exposition->render(body);
  ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", body);
}

bool has_prefix_segment(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

void fallback(void* ctx, http::Exchange& ex) {
  const auto& ops = *static_cast<OpsContext*>(ctx);
  const std::string_view path = ex.request.path;
  if (has_prefix_segment(path, "/api") || has_prefix_segment(path, "/ws") ||
      has_prefix_segment(path, "/metrics")) {
    ex.respond_error(404, "not_found", "no such resource");
    return;
  }
  ops.files->serve(ex);
}

}  // namespace

void add_ops_routes(http::Router& router, OpsContext& context) {
  router.add("GET", "/healthz", {healthz, &context});
  router.add("GET", "/readyz", {readyz, &context});
  router.add("GET", "/metrics", {metrics_text, &context});
  router.set_fallback({fallback, &context});
}

}  // namespace rollcall::app

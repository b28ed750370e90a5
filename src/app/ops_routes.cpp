#include "rollcall/app/ops_routes.hpp"

#include "rollcall/http/server.hpp"

namespace rollcall::app {

namespace {

void healthz(const OpsContext&, http::Exchange& ex) {
  ex.respond_json(200, R"({"status":"ok"})");
}

void readyz(const OpsContext& ops, http::Exchange& ex) {
  if (ops.runtime->ready()) {
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

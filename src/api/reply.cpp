#include "rollcall/api/reply.hpp"

#include <string>

#include "rollcall/http/response.hpp"

namespace rollcall::api {

namespace {

// Header views over an answer's owned headers.
struct Headers {
  std::vector<http::HeaderField> fields;

  explicit Headers(const std::vector<std::pair<std::string, std::string>>& owned) {
    fields.reserve(owned.size());
    for (const auto& [name, value] : owned) fields.push_back({name, value});
  }
};

std::string error_body(const wire::Error& e) {
  std::string body;
  http::append_error_body(body, e.code, e.message);
  return body;
}

}  // namespace

void answer(http::Exchange& ex, const Answer& a) {
  if (const auto* r = std::get_if<Reply>(&a)) {
    const Headers h(r->headers);
    ex.respond(r->status, r->content_type, r->body, h.fields);
  } else if (const auto* e = std::get_if<wire::Error>(&a)) {
    const Headers h(e->headers);
    ex.respond_error(e->status, e->code, e->message, h.fields);
  }
}

void complete(http::Server& http, net::Reactor& reactor, net::Connection& c,
              const http::Deferred& d, const Response& result) {
  if (const auto* r = std::get_if<Reply>(&result)) {
    const Headers h(r->headers);
    http.complete(reactor, c, d, r->status, r->content_type, r->body, h.fields);
    return;
  }
  const auto& e = std::get<wire::Error>(result);
  const Headers h(e.headers);
  http.complete(reactor, c, d, e.status, "application/json", error_body(e), h.fields);
}

}  // namespace rollcall::api

#pragma once
/// What an API handler gives back, as a value: a reply, an error (wire/errors.hpp),
/// or word that it handed the request on (its answer comes later, through a
/// deferred completion) or switched the connection to WebSocket. One function
/// writes each to the wire, now or later.

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "rollcall/common/json_writer.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/net/connection.hpp"
#include "rollcall/wire/errors.hpp"

namespace rollcall::api {

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Extra headers (Content-Disposition, ...), name and value.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// The handler took care of the exchange itself (deferred it, or upgraded it).
struct Handled {};

/// A complete answer: what a deferred request is completed with.
using Response = std::variant<Reply, wire::Error>;
/// What a handler returns.
using Answer = std::variant<Reply, wire::Error, Handled>;

/// A JSON reply whose body `write(JsonWriter&)` builds.
template <typename Write>
Reply json_reply(int status, Write&& write) {
  Reply r;
  r.status = status;
  JsonWriter w(r.body);
  write(w);
  return r;
}

/// Writes `a` as the answer to `ex` (nothing for Handled).
void answer(http::Exchange& ex, const Answer& a);
/// Completes a deferred request with `r` (dropped if the request is gone).
void complete(http::Server& http, net::Reactor& reactor, net::Connection& c,
              const http::Deferred& d, const Response& r);

}  // namespace rollcall::api

#pragma once
/// HTTP/1.1 on a shard's connections: framing (keep-alive, pipelining, HTTP/1.0,
/// Content-Length and chunked bodies), limits and timeouts, routing, and writing
/// responses in order. One `Server` per shard; it keeps a small `Session` per
/// connection slot, preallocated.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/http/parser.hpp"
#include "rollcall/http/response.hpp"
#include "rollcall/http/router.hpp"
#include "rollcall/metrics/metrics.hpp"
#include "rollcall/net/handler.hpp"

namespace rollcall::http {

struct ServerConfig {
  Limits limits;                            ///< head 16 KiB (431), target (414), body 1 MiB (413)
  std::uint32_t header_timeout_ms = 10000;  ///< whole head within this (408); body: max silence
  std::uint32_t idle_timeout_ms = 60000;    ///< keep-alive connection with no request
};

/// What the HTTP layer counts, one per shard's `Server`.
struct alignas(64) HttpMetrics {
  metrics::Counter requests_by_class[6];       ///< responses; index = status / 100 (1..5)
  metrics::LatencyHistogram request_duration;  ///< head parsed -> response queued
  metrics::Counter timeouts_header;            ///< 408: headers (or body) too slow
  metrics::Counter timeouts_idle;              ///< keep-alive connection idle too long

  void describe(metrics::Sink& s) const {
    static constexpr std::string_view kClasses[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
    metrics::Family requests =
        s.family("rollcall_http_requests_total", "HTTP responses sent, by status class.");
    for (int c = 1; c <= 5; ++c) requests.add(requests_by_class[c], {"code", kClasses[c]});
    s.family("rollcall_http_request_duration_seconds",
             "Time from a request's head being parsed to its response being queued.")
        .add(request_duration);
    s.family("rollcall_http_timeouts_total",
             "Connections timed out: header (408, request too slow) or idle (keep-alive).")
        .add(timeouts_header, {"kind", "header"})
        .add(timeouts_idle, {"kind", "idle"});
  }
};

class Server;

/// A protocol that takes a connection over after an HTTP upgrade (WebSocket). The
/// HTTP server forwards every connection callback to it from then on.
class UpgradedHandler {
 public:
  /// The connection switched; `data` holds bytes the client sent after the upgrade
  /// request (may be empty). Valid only during the call.
  virtual void on_upgraded(net::Reactor& r, net::Connection& c, char* data, std::size_t len) = 0;
  virtual void on_data(net::Reactor& r, net::Connection& c, char* data, std::size_t len) = 0;
  virtual void on_peer_closed(net::Reactor& r, net::Connection& c) = 0;
  virtual void on_drained(net::Reactor& r, net::Connection& c) = 0;
  virtual void on_deadline(net::Reactor& r, net::Connection& c) = 0;
  virtual void on_closed(net::Connection& c) = 0;
  virtual void on_shutdown(net::Reactor& r, net::Connection& c) = 0;

 protected:
  ~UpgradedHandler() = default;
};

/// A promise to answer a request later (e.g. once another shard computed the
/// answer). Complete it with `Server::complete` on the shard that accepted it, on a
/// later loop turn than the one whose handler deferred it (shard/call.hpp
/// guarantees that).
struct Deferred {
  net::ConnectionHandle connection;
  std::uint32_t sequence = 0;
};

/// One request and the means to answer it. A handler either answers before
/// returning or calls `defer()` and answers later through `Server::complete`;
/// the connection reads no further request until then (answers stay in order).
/// Anything a deferred handler needs from the request it must copy: the views die
/// when the handler returns.
class Exchange {
 public:
  const RequestHead& request;
  std::string_view body;
  RouteParams params;

  /// Sends a complete response. `content_type` may be empty (no body expected).
  void respond(int status, std::string_view content_type, std::string_view body,
               std::span<const HeaderField> extra = {});
  void respond(int status, std::string_view content_type, std::string_view body,
               std::initializer_list<HeaderField> extra) {
    respond(status, content_type, body, std::span(extra.begin(), extra.size()));
  }
  void respond_json(int status, std::string_view json) {
    respond(status, "application/json", json);
  }
  /// The API's JSON error: {"error":{"code":code,"message":message}}.
  void respond_error(int status, std::string_view code, std::string_view message,
                     std::span<const HeaderField> extra = {});
  void respond_error(int status, std::string_view code, std::string_view message,
                     std::initializer_list<HeaderField> extra) {
    respond_error(status, code, message, std::span(extra.begin(), extra.size()));
  }
  /// A reusable per-shard buffer for building response bodies (cleared here).
  std::string& scratch();
  /// Promises a later answer (see `Deferred`). Unanswered after `timeout_ms`, the
  /// request is answered `503 owner_timeout`.
  Deferred defer(std::uint32_t timeout_ms = kDeferredTimeoutMs);
  static constexpr std::uint32_t kDeferredTimeoutMs = 30'000;
  /// The grant an upload route's admission gave this request (null if its body was
  /// within the general limit, so nothing was asked): the handler keeps it until it
  /// answers.
  std::unique_ptr<UploadGrant> take_upload();
  /// Answers with `response` (a complete `101 Switching Protocols`) and hands the
  /// connection to `handler` from the next byte on.
  void upgrade(std::string_view response, UpgradedHandler* handler);

  /// The connection the request came on (its socket, for the peer's address).
  const net::Connection& connection() const { return connection_; }
  bool responded() const { return responded_; }
  bool deferred() const { return deferred_; }
  UpgradedHandler* upgraded() const { return upgraded_; }
  int status() const { return status_; }

 private:
  friend class Server;
  Exchange(Server& server, net::Connection& connection, const RequestHead& head,
           std::string_view body_bytes, const RouteParams& route_params)
      : request(head),
        body(body_bytes),
        params(route_params),
        server_(server),
        connection_(connection) {}

  Server& server_;
  net::Connection& connection_;
  bool responded_ = false;
  bool deferred_ = false;
  int status_ = 0;
  UpgradedHandler* upgraded_ = nullptr;
};

class Server final : public net::ConnectionHandler {
 public:
  /// Adds its metrics to `registry` (its shard's).
  Server(const ServerConfig& config, const Router& router, metrics::Registry& registry,
         std::uint32_t slots);

  const HttpMetrics& metrics() const { return metrics_; }

  /// Answers a deferred request on `c` (found from `d.connection` by the caller).
  /// Returns false, writing nothing, if that request is gone (client closed, timed
  /// out): the caller simply drops the answer. Refused too while the handler that
  /// deferred it still runs (answers come on a later loop turn: shard/call.hpp).
  bool complete(net::Reactor& r, net::Connection& c, const Deferred& d, int status,
                std::string_view content_type, std::string_view body,
                std::span<const HeaderField> extra = {});

  // net::ConnectionHandler
  void on_open(net::Reactor& r, net::Connection& c) override;
  void on_data(net::Reactor& r, net::Connection& c, char* data, std::size_t len) override;
  void on_peer_closed(net::Reactor& r, net::Connection& c) override;
  void on_drained(net::Reactor& r, net::Connection& c) override;
  void on_deadline(net::Reactor& r, net::Connection& c) override;
  void on_closed(net::Connection& c) override;
  void on_shutdown(net::Reactor& r, net::Connection& c) override;

 private:
  friend class Exchange;

  enum class Phase : std::uint8_t {
    Idle,      ///< between requests (or before the first); idle timeout applies
    Head,      ///< some bytes of a request head arrived; header timeout applies
    Body,      ///< head complete, body incomplete; silence timeout applies
    Waiting,   ///< request handed on (deferred); input is buffered, not parsed
    Closing,   ///< a final answer is queued; input is ignored
    Upgraded,  ///< another protocol owns the connection (`Session::upgraded`)
  };

  /// What writing an answer needs to know about its request.
  struct RequestMeta {
    bool keep_alive = true;
    bool head = false;    ///< HEAD: headers only
    bool http10 = false;  ///< HTTP/1.0: keep-alive must be announced
  };

  struct Session {
    Phase phase = Phase::Idle;
    bool paused = false;             ///< output backlog over the limit: not parsing
    bool close_when_idle = false;    ///< shutdown asked us to close after this request
    bool continue_sent = false;      ///< `100 Continue` already written for this request
    std::uint32_t scanned = 0;       ///< head bytes already searched for a line end
    std::uint32_t deferred_seq = 0;  ///< numbers deferred requests on this connection
    RequestMeta deferred_meta;
    std::uint64_t deferred_started_ns = 0;
    UpgradedHandler* upgraded = nullptr;
    std::uint32_t deferred_timeout_ms = 0;  ///< the deferred request's own limit
    std::uint64_t body_bytes_max = 0;       ///< this request's: general, or its upload's
    std::unique_ptr<UploadGrant> upload;    ///< an admitted upload's grant
    ChunkedDecoder decoder{Limits{}.body_bytes_max};
  };

  static RequestMeta meta_of(const RequestHead& head);
  /// Writes status line, headers and body into `c.out`; returns whether the
  /// connection stays open afterwards.
  bool write_response(net::Connection& c, const RequestMeta& meta, int status,
                      std::string_view content_type, std::string_view body,
                      std::span<const HeaderField> extra);
  Deferred begin_deferred(net::Connection& c, const RequestHead& head);

  /// Parses and answers as many complete requests as `buf` holds. `owned` says
  /// whether `buf` is `c.in` (else a receive buffer whose leftover must be copied).
  void process(net::Reactor& r, net::Connection& c, char* buf, std::size_t len, bool owned);
  /// Handles the request at `p` (length `n`): head, body, dispatch. Returns bytes
  /// consumed (0: need more, or failed).
  std::size_t handle_one(net::Reactor& r, net::Connection& c, Session& s, char* p, std::size_t n);
  /// Parses the head into `head_` (starting the header timer on a request's first
  /// byte). Returns its length; 0 when incomplete or refused (answered, closing).
  std::size_t read_head(net::Reactor& r, net::Connection& c, Session& s, const char* p,
                        std::size_t n);
  /// What the parser leaves to us: version, Host, CONNECT, the asterisk-form.
  /// Answers and returns false if the head is refused.
  bool check_head(net::Reactor& r, net::Connection& c);
  /// The body limit of the request in `head_`: the general one, or (for a larger
  /// body to an upload route) the route's once its admission said yes. Answers and
  /// returns false if the body is refused.
  bool admit_body(net::Reactor& r, net::Connection& c, Session& s);
  /// A complete request: its body, and the bytes it takes in all (head included).
  struct Framed {
    std::string_view body;
    std::size_t consumed = 0;
  };
  /// The body after a head of `head_len` bytes, by its framing; none while it is
  /// incomplete (waiting for more) or refused (answered, closing).
  std::optional<Framed> frame_body(net::Reactor& r, net::Connection& c, Session& s, char* p,
                                   std::size_t n, std::size_t head_len);
  /// The head is complete but not the body: 100-continue if asked, silence timer.
  void await_body(net::Reactor& r, net::Connection& c, Session& s);
  /// Routes and runs the handler. Returns the handler's choice: answered (null,
  /// false), deferred (null, true) or upgraded (the new protocol).
  struct Dispatched {
    bool deferred = false;
    UpgradedHandler* upgraded = nullptr;
  };
  Dispatched dispatch(net::Connection& c, const RequestHead& head, std::string_view body);
  /// After the handler: switch protocols, wait for the deferred answer, or finish
  /// the request. Returns `consumed`.
  std::size_t after_dispatch(net::Reactor& r, net::Connection& c, Session& s, const Dispatched& d,
                             std::size_t consumed);
  /// Answers an error with `Connection: close` and closes gracefully. `head_request`:
  /// the request was HEAD, so the answer carries no body.
  void fail(net::Reactor& r, net::Connection& c, int status, std::string_view code,
            std::string_view message, bool head_request = false);
  void fail_parse(net::Reactor& r, net::Connection& c, ParseError error);
  void finish_request(net::Reactor& r, net::Connection& c, Session& s, bool keep_alive);
  void arm_idle(net::Reactor& r, net::Connection& c);
  std::string_view date();

  ServerConfig config_;
  const Router& router_;
  Limits head_limits_;  ///< config_.limits with the largest body any route takes
  HttpMetrics metrics_;
  std::vector<Session> sessions_;
  RequestHead head_;        ///< scratch for the request being parsed (one at a time)
  std::string scratch_;     ///< body-building buffer handed to handlers
  std::string error_body_;  ///< body-building buffer for our own error answers
  bool draining_ = false;
  std::int64_t date_second_ = -1;
  char date_[32] = {};
  // Set by Exchange::respond: whether the request being dispatched may keep the
  // connection open (request said so, status allows it, not draining).
  bool dispatch_keep_alive_ = true;
  std::uint64_t dispatch_started_ns_ = 0;
};

}  // namespace rollcall::http

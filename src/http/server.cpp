#include "rollcall/http/server.hpp"

#include <cctype>
#include <cstring>
#include <ctime>

#include "rollcall/common/assert.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/net/input_pool.hpp"

namespace rollcall::http {

using net::Connection;
using net::Reactor;

namespace {
// Chunked framing may add overhead (sizes, extensions, trailers) on top of the
// decoded body; raw bytes beyond body_bytes_max plus this are refused with 413.
constexpr std::size_t kChunkedOverheadBytesMax = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
/// Room for a response's status line and headers (more only costs a reallocation).
constexpr std::size_t kResponseHeadBytes = 512;

// RFC 9112 §3.2 / RFC 3986 §3.2.2: Host = uri-host [ ":" port ], possibly empty.
// uri-host is an IP literal in brackets, or a reg-name / IPv4 address made of
// unreserved, sub-delims and pct-encoded characters.
bool valid_host(std::string_view v) {
  std::size_t i = 0;
  if (!v.empty() && v.front() == '[') {
    const std::size_t close = v.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (i = 1; i < close; ++i) {
      const char ch = v[i];
      const bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                      (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.';
      if (!ok) return false;
    }
    i = close + 1;
  } else {
    static constexpr std::string_view kSubDelims = "!$&'()*+,;=";
    for (; i < v.size() && v[i] != ':'; ++i) {
      const char ch = v[i];
      const bool unreserved = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                              (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '.' || ch == '_' ||
                              ch == '~';
      if (unreserved || kSubDelims.find(ch) != std::string_view::npos) continue;
      if (ch == '%' && i + 2 < v.size() && std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
        i += 2;
        continue;
      }
      return false;
    }
  }
  if (i == v.size()) return true;
  if (v[i] != ':') return false;
  for (++i; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Exchange

void Exchange::respond(int status, std::string_view content_type, std::string_view body_bytes,
                       std::span<const HeaderField> extra) {
  RC_ASSERT(!responded_ && !deferred_);
  responded_ = true;
  status_ = status;
  const Server::RequestMeta meta = Server::meta_of(request);
  server_.dispatch_keep_alive_ =
      server_.write_response(connection_, meta, status, content_type, body_bytes, extra);
}

void Exchange::upgrade(std::string_view response, UpgradedHandler* handler) {
  RC_ASSERT(!responded_ && !deferred_ && handler != nullptr);
  responded_ = true;
  status_ = 101;
  upgraded_ = handler;
  connection_.out.append(response);
}

Deferred Exchange::defer(std::uint32_t timeout_ms) {
  RC_ASSERT(!responded_ && !deferred_ && timeout_ms > 0);
  deferred_ = true;
  server_.sessions_[connection_.index].deferred_timeout_ms = timeout_ms;
  return server_.begin_deferred(connection_, request);
}

std::unique_ptr<UploadGrant> Exchange::take_upload() {
  return std::move(server_.sessions_[connection_.index].upload);
}

void Exchange::respond_error(int status, std::string_view code, std::string_view message,
                             std::span<const HeaderField> extra) {
  std::string& body_out = server_.error_body_;
  body_out.clear();
  append_error_body(body_out, code, message);
  respond(status, "application/json", body_out, extra);
}

std::string& Exchange::scratch() {
  server_.scratch_.clear();
  return server_.scratch_;
}

// ---------------------------------------------------------------------------
// Server

Server::Server(const ServerConfig& config, const Router& router, metrics::Registry& registry,
               std::uint32_t slots)
    : config_(config), router_(router), head_limits_(config.limits), sessions_(slots) {
  head_limits_.body_bytes_max = router_.body_bytes_max(config_.limits.body_bytes_max);
  RC_ASSERT(config_.limits.headers_max <= kHeadersCapacity);
  registry.add(metrics_);
  scratch_.reserve(64 * 1024);
  error_body_.reserve(512);
}

std::string_view Server::date() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  if (ts.tv_sec != date_second_) {
    date_second_ = ts.tv_sec;
    format_http_date(ts.tv_sec, date_);
  }
  return std::string_view(date_, 29);
}

Server::RequestMeta Server::meta_of(const RequestHead& head) {
  return RequestMeta{head.keep_alive, head.method == Method::Head, head.version_minor == 0};
}

bool Server::write_response(Connection& c, const RequestMeta& meta, int status,
                            std::string_view content_type, std::string_view body,
                            std::span<const HeaderField> extra) {
  RC_ASSERT(status >= 200 && status <= 599);
  const Session& s = sessions_[c.index];
  const bool keep_alive = meta.keep_alive && !draining_ && !s.close_when_idle;
  const bool bodyless = meta.head || status == 204 || status == 304;
  ResponseHead head;
  head.status = status;
  head.content_type = content_type;
  head.content_length = body.size();
  head.keep_alive = keep_alive;
  head.announce_keep_alive = keep_alive && meta.http10;
  head.date = date();
  std::string& out = c.out.pending(kResponseHeadBytes + (bodyless ? 0 : body.size()));
  append_response_head(out, head, extra);
  if (!bodyless) out.append(body.data(), body.size());
  return keep_alive;
}

Deferred Server::begin_deferred(Connection& c, const RequestHead& head) {
  Session& s = sessions_[c.index];
  s.deferred_meta = meta_of(head);
  s.deferred_seq += 1;
  return Deferred{c.handle(), s.deferred_seq};
}

bool Server::complete(Reactor& r, Connection& c, const Deferred& d, int status,
                      std::string_view content_type, std::string_view body,
                      std::span<const HeaderField> extra) {
  Session& s = sessions_[c.index];
  if (!c.open() || c.generation != d.connection.generation || s.deferred_seq != d.sequence) {
    return false;  // the client went away meanwhile
  }
  // Waiting, unless answered already or timed out (or, a caller's bug, the handler
  // that deferred it has not returned yet: shard/call.hpp never lets that happen).
  if (s.phase != Phase::Waiting) return false;
  const bool keep_alive = write_response(c, s.deferred_meta, status, content_type, body, extra);
  metrics_.requests_by_class[status / 100].inc();
  metrics_.request_duration.observe_ns(monotonic_ns() - s.deferred_started_ns);
  finish_request(r, c, s, keep_alive);
  if (c.open() && s.phase == Phase::Idle && !s.paused) {
    if (!c.recv_wanted && !c.peer_closed) r.set_receiving(c, true);
    // Pipelined requests that arrived while we waited.
    if (!c.in.empty()) process(r, c, c.in.data(), c.in.size(), true);
  }
  return true;
}

void Server::on_open(Reactor& r, Connection& c) {
  Session& s = sessions_[c.index];
  s = Session{};
  s.decoder = ChunkedDecoder(config_.limits.body_bytes_max);
  // A new connection gets the header timeout to send its first request.
  r.set_deadline(c, r.now_ms() + config_.header_timeout_ms);
}

void Server::on_data(Reactor& r, Connection& c, char* data, std::size_t len) {
  Session& s = sessions_[c.index];
  if (s.phase == Phase::Upgraded) return s.upgraded->on_data(r, c, data, len);
  if (s.phase == Phase::Closing) return;
  if (s.phase == Phase::Waiting) {
    // An answer is still being computed elsewhere: keep pipelined bytes for later,
    // and stop reading once a full request's worth is waiting.
    net::InputPool::lend(c.in);
    c.in.append(data, len);
    if (c.in.size() > config_.limits.head_bytes_max + config_.limits.body_bytes_max)
      r.set_receiving(c, false);
    return;
  }
  if (c.in.empty()) {
    process(r, c, data, len, false);
  } else {
    c.in.append(data, len);
    process(r, c, c.in.data(), c.in.size(), true);
  }
}

void Server::process(Reactor& r, Connection& c, char* buf, std::size_t len, bool owned) {
  Session& s = sessions_[c.index];
  std::size_t pos = 0;
  while (pos < len && c.open() && !s.paused && s.phase != Phase::Closing &&
         s.phase != Phase::Waiting) {
    const std::size_t used = handle_one(r, c, s, buf + pos, len - pos);
    if (used == 0) break;
    pos += used;
    if (s.phase == Phase::Upgraded) {
      // Whatever followed the upgrade request belongs to the new protocol.
      std::string rest(buf + pos, len - pos);
      if (owned) net::InputPool::take_back(c.in);  // the HTTP bytes are done with
      s.upgraded->on_upgraded(r, c, rest.data(), rest.size());
      return;
    }
  }
  if (!c.open()) return;  // closed by a handler or an error; `buf` may be gone
  if (s.phase == Phase::Closing) {
    c.in.clear();
    return;
  }
  if (owned) {
    c.in.erase(0, pos);
    // A request assembled from several reads leaves a buffer an idle connection
    // need not keep.
    if (c.in.empty()) net::InputPool::take_back(c.in);
  } else if (pos < len) {
    net::InputPool::lend(c.in);
    c.in.assign(buf + pos, len - pos);
  }
  // A peer that half-closed sends nothing more: once every complete request it sent
  // is answered, finish (what is left is an incomplete request nobody will finish).
  if (c.peer_closed && !s.paused) {
    s.phase = Phase::Closing;
    r.close(c, net::CloseMode::Graceful);
  }
}

std::size_t Server::handle_one(Reactor& r, Connection& c, Session& s, char* p, std::size_t n) {
  const std::size_t head_len = read_head(r, c, s, p, n);
  if (head_len == 0 || !check_head(r, c)) return 0;
  if (s.phase == Phase::Head) {
    s.phase = Phase::Body;
    s.continue_sent = false;
    if (!admit_body(r, c, s)) return 0;
    s.decoder = ChunkedDecoder(s.body_bytes_max);
  }
  const std::optional<Framed> framed = frame_body(r, c, s, p, n, head_len);
  if (!framed) return 0;
  const Dispatched d = dispatch(c, head_, framed->body);
  if (!c.open()) return 0;
  return after_dispatch(r, c, s, d, framed->consumed);
}

std::size_t Server::read_head(Reactor& r, Connection& c, Session& s, const char* p, std::size_t n) {
  if (s.phase == Phase::Idle) {
    s.phase = Phase::Head;
    s.scanned = 0;
    r.set_deadline(c, r.now_ms() + config_.header_timeout_ms);
  }
  if (s.phase == Phase::Head && s.scanned > 0) {
    // Re-parse only once a new line has completed: a client sending one byte at a
    // time costs one parse per line (<= headers_max lines), not one per byte.
    if (n <= s.scanned || std::memchr(p + s.scanned, '\n', n - s.scanned) == nullptr) {
      s.scanned = static_cast<std::uint32_t>(n);
      if (n >= config_.limits.head_bytes_max) {
        fail_parse(r, c, ParseError::HeadTooLarge);
      }
      return 0;
    }
  }
  const HeadResult hr = parse_head(std::string_view(p, n), head_, head_limits_);
  if (hr.status == HeadResult::Status::Error) {
    fail_parse(r, c, hr.error);
    return 0;
  }
  if (hr.status == HeadResult::Status::Incomplete) {
    if (n >= config_.limits.head_bytes_max) {
      fail_parse(r, c, ParseError::HeadTooLarge);
    }
    s.scanned = static_cast<std::uint32_t>(n);
    return 0;
  }
  return hr.consumed;
}

bool Server::check_head(Reactor& r, Connection& c) {
  if (head_.protocol != Protocol::Http || head_.version_major != 1) {
    fail_parse(r, c, ParseError::UnsupportedVersion);  // RTSP, ICE, HTTP/0.9
    return false;
  }
  const bool head_request = head_.method == Method::Head;
  if (head_.version_minor == 1 && !head_.has_header("host")) {
    fail(r, c, 400, "missing_host", "HTTP/1.1 requests must carry a Host header", head_request);
    return false;
  }
  if (!valid_host(head_.header("host"))) {
    fail(r, c, 400, "bad_host", "the Host header is not a valid host[:port]", head_request);
    return false;
  }
  if (head_.method == Method::Connect) {
    fail(r, c, 501, "not_implemented", "CONNECT is not supported");
    return false;
  }
  if (head_.path == "*" && head_.method != Method::Options) {
    // RFC 9112 §3.2.4: the asterisk-form is only for OPTIONS.
    fail(r, c, 400, "bad_request_line", "the asterisk-form target is only for OPTIONS",
         head_request);
    return false;
  }
  return true;
}

bool Server::admit_body(Reactor& r, Connection& c, Session& s) {
  s.body_bytes_max = config_.limits.body_bytes_max;
  const bool chunked = head_.framing == BodyFraming::Chunked;
  if (!chunked && head_.content_length <= s.body_bytes_max) return true;
  const Router::Match m = router_.match(head_.method_name, head_.path);
  const UploadPolicy* upload = m.kind == Router::Match::Kind::Found ? m.upload : nullptr;
  if (upload == nullptr || head_.content_length > upload->body_bytes_max) {
    if (chunked && upload == nullptr) return true;  // the decoder holds it to the general limit
    fail_parse(r, c, ParseError::BodyTooLarge);
    return false;
  }
  RC_ASSERT(upload->body_bytes_max <= head_limits_.body_bytes_max);
  auto verdict = upload->admit(head_, c);
  if (const Refusal* no = std::get_if<Refusal>(&verdict)) {
    // Its body is never read: the connection closes after the answer.
    fail(r, c, no->status, no->code, no->message);
    return false;
  }
  s.upload = std::move(std::get<std::unique_ptr<UploadGrant>>(verdict));
  s.body_bytes_max = upload->body_bytes_max;
  return true;
}

std::optional<Server::Framed> Server::frame_body(Reactor& r, Connection& c, Session& s, char* p,
                                                 std::size_t n, std::size_t head_len) {
  const std::size_t have = n - head_len;
  switch (head_.framing) {
    case BodyFraming::None: return Framed{{}, head_len};
    case BodyFraming::ContentLength:
      if (have < head_.content_length) {
        await_body(r, c, s);
        return std::nullopt;
      }
      return Framed{std::string_view(p + head_len, head_.content_length),
                    head_len + head_.content_length};
    case BodyFraming::Chunked: {
      const ChunkedDecoder::Status st = s.decoder.feed(p + head_len, have);
      if (st == ChunkedDecoder::Status::Error) {
        fail_parse(r, c, s.decoder.error());
        return std::nullopt;
      }
      if (st == ChunkedDecoder::Status::NeedMore) {
        if (have > s.body_bytes_max + kChunkedOverheadBytesMax) {
          fail_parse(r, c, ParseError::BodyTooLarge);
          return std::nullopt;
        }
        await_body(r, c, s);
        return std::nullopt;
      }
      return Framed{std::string_view(p + head_len, s.decoder.decoded_bytes()),
                    head_len + s.decoder.raw_consumed()};
    }
  }
  return Framed{{}, head_len};
}

std::size_t Server::after_dispatch(Reactor& r, Connection& c, Session& s, const Dispatched& d,
                                   std::size_t consumed) {
  if (d.upgraded != nullptr) {
    metrics_.requests_by_class[1].inc();
    r.clear_deadline(c);
    r.flush(c);
    s.phase = Phase::Upgraded;
    s.upgraded = d.upgraded;
    return consumed;
  }
  if (d.deferred) {
    s.phase = Phase::Waiting;
    s.deferred_started_ns = dispatch_started_ns_;
    // Safety net: an owner that never answers must not hold the client forever.
    r.set_deadline(c, r.now_ms() + s.deferred_timeout_ms);
    return consumed;
  }
  finish_request(r, c, s, dispatch_keep_alive_);
  return consumed;
}

void Server::await_body(Reactor& r, Connection& c, Session& s) {
  // A client that asked `Expect: 100-continue` waits for this before sending the body.
  if (head_.expect_continue && !s.continue_sent && head_.version_minor == 1) {
    s.continue_sent = true;
    c.out.append(kContinue);
    r.flush(c);
  }
  // Inside a body the header timeout bounds each silence, not the whole transfer.
  r.set_deadline(c, r.now_ms() + config_.header_timeout_ms);
}

Server::Dispatched Server::dispatch(Connection& c, const RequestHead& head, std::string_view body) {
  const std::uint64_t started_ns = monotonic_ns();
  dispatch_started_ns_ = started_ns;
  const Router::Match m = router_.match(head.method_name, head.path);
  Exchange ex(*this, c, head, body, m.params);
  dispatch_keep_alive_ = true;
  if (head.path == "*") {
    // `OPTIONS *` asks about the server as a whole (the only asterisk-form allowed).
    ex.respond(204, {}, {}, {{"Allow", "GET, HEAD, POST, PUT, OPTIONS"}});
  } else if (m.kind == Router::Match::Kind::Found) {
    (*m.handler)(ex);
    if (!ex.responded() && !ex.deferred())
      ex.respond_error(500, "internal_error", "the handler gave no answer");
  } else if (m.kind == Router::Match::Kind::MethodNotAllowed) {
    ex.respond_error(405, "method_not_allowed", "this method is not allowed on this resource",
                     {{"Allow", m.allow}});
  } else {
    ex.respond_error(404, "not_found", "no such resource");
  }
  if (ex.deferred()) return {true, nullptr};
  if (ex.upgraded() != nullptr) return {false, ex.upgraded()};
  metrics_.requests_by_class[ex.status() / 100].inc();
  metrics_.request_duration.observe_ns(monotonic_ns() - started_ns);
  return {false, nullptr};
}

void Server::finish_request(Reactor& r, Connection& c, Session& s, bool keep_alive) {
  s.upload.reset();  // an upload's grant lasts until its answer
  r.flush(c);
  if (!keep_alive) {
    s.phase = Phase::Closing;
    r.close(c, net::CloseMode::Graceful);
    return;
  }
  s.phase = Phase::Idle;
  s.scanned = 0;
  if (r.over_budget(c)) {
    // The client sends requests faster than it reads answers: stop reading until
    // the kernel has taken our output.
    s.paused = true;
    r.set_receiving(c, false);
  }
  arm_idle(r, c);
}

void Server::arm_idle(Reactor& r, Connection& c) {
  r.set_deadline(c, r.now_ms() + config_.idle_timeout_ms);
}

void Server::fail(Reactor& r, Connection& c, int status, std::string_view code,
                  std::string_view message, bool head_request) {
  Session& s = sessions_[c.index];
  error_body_.clear();
  append_error_body(error_body_, code, message);
  ResponseHead head;
  head.status = status;
  head.content_type = "application/json";
  head.content_length = error_body_.size();
  head.keep_alive = false;  // framing may be lost: never read another request from here
  head.date = date();
  std::string& out = c.out.pending(kResponseHeadBytes + error_body_.size());
  append_response_head(out, head, {});
  // An answer to HEAD carries the headers only: body bytes would be read as the
  // start of the next response.
  if (!head_request) out.append(error_body_);
  metrics_.requests_by_class[status / 100].inc();
  s.phase = Phase::Closing;
  r.close(c, net::CloseMode::Graceful);
}

void Server::fail_parse(Reactor& r, Connection& c, ParseError error) {
  // The parser resets `method` first and sets it once the method token is read, so
  // an error found later in a HEAD request is answered without a body.
  fail(r, c, status_of(error), code_of(error), message_of(error), head_.method == Method::Head);
}

void Server::on_peer_closed(Reactor& r, Connection& c) {
  Session& s = sessions_[c.index];
  if (s.phase == Phase::Upgraded) return s.upgraded->on_peer_closed(r, c);
  if (s.paused) return;  // on_drained answers what is buffered, then closes
  s.phase = Phase::Closing;
  r.close(c, net::CloseMode::Graceful);
}

void Server::on_drained(Reactor& r, Connection& c) {
  Session& s = sessions_[c.index];
  if (s.phase == Phase::Upgraded) return s.upgraded->on_drained(r, c);
  if (!s.paused) return;
  s.paused = false;
  if (!c.peer_closed) r.set_receiving(c, true);
  if (!c.in.empty()) {
    process(r, c, c.in.data(), c.in.size(), true);
  } else if (c.peer_closed) {
    s.phase = Phase::Closing;
    r.close(c, net::CloseMode::Graceful);
  }
}

void Server::on_deadline(Reactor& r, Connection& c) {
  Session& s = sessions_[c.index];
  switch (s.phase) {
    case Phase::Upgraded: s.upgraded->on_deadline(r, c); break;
    case Phase::Idle:
      metrics_.timeouts_idle.inc();
      s.phase = Phase::Closing;
      r.close(c, net::CloseMode::Graceful);
      break;
    case Phase::Head:
    case Phase::Body:
      metrics_.timeouts_header.inc();
      fail(r, c, 408, "request_timeout", "the request did not arrive in time");
      break;
    case Phase::Waiting:
      fail(r, c, 503, "owner_timeout", "the answer was not ready in time; retry");
      break;
    case Phase::Closing: r.close(c, net::CloseMode::Abort); break;
  }
}

void Server::on_closed(Connection& c) {
  Session& s = sessions_[c.index];
  if (s.phase == Phase::Upgraded) s.upgraded->on_closed(c);
  s = Session{};
}

void Server::on_shutdown(Reactor& r, Connection& c) {
  draining_ = true;  // every answer from now on asks the client to close
  Session& s = sessions_[c.index];
  if (s.phase == Phase::Upgraded) return s.upgraded->on_shutdown(r, c);
  s.close_when_idle = true;
  if (s.phase == Phase::Idle && !s.paused) {
    s.phase = Phase::Closing;
    r.close(c, net::CloseMode::Graceful);
  }
}

}  // namespace rollcall::http

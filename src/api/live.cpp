#include "rollcall/api/live.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "rollcall/api/request.hpp"
#include "rollcall/api/serialize.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/common/log.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

bool parse_epoch(std::string_view text, std::uint32_t& out) {
  if (text.size() != 8) return false;
  std::uint32_t v = 0;
  for (const char ch : text) {
    int d;
    if (ch >= '0' && ch <= '9') {
      d = ch - '0';
    } else if (ch >= 'a' && ch <= 'f') {
      d = ch - 'a' + 10;
    } else {
      return false;
    }
    v = v * 16 + static_cast<std::uint32_t>(d);
  }
  out = v;
  return true;
}

std::optional<std::string_view> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// {"type":"ping"} (other members ignored).
bool is_ping_message(JsonScratch& json, std::string_view text) {
  bool ping = false;
  const auto err = parse_object(
      json, text,
      [&](std::string_view key, simdjson::ondemand::value v) -> std::optional<ApiError> {
        std::string_view type;
        if (key == "type" && v.get_string().get(type) == simdjson::SUCCESS) ping = type == "ping";
        return std::nullopt;
      });
  return !err && ping;
}

// Answers an invalid upgrade request (RFC 6455 §4.2.1/§4.2.2) and returns false.
bool handshake_ok(http::Exchange& ex) {
  const http::RequestHead& h = ex.request;
  if (h.version_major != 1 || h.version_minor < 1) {
    ex.respond_error(400, "bad_websocket_handshake", "a WebSocket upgrade needs HTTP/1.1");
    return false;
  }
  if (h.header_occurrences("sec-websocket-key") > 1 ||
      h.header_occurrences("sec-websocket-version") > 1) {
    ex.respond_error(400, "bad_websocket_handshake",
                     "Sec-WebSocket-Key and Sec-WebSocket-Version may appear once");
    return false;
  }
  const ws::HandshakeError err =
      ws::check_handshake(h.method_name, h.header("upgrade"), h.header("connection"),
                          h.header("sec-websocket-version"), h.header("sec-websocket-key"));
  if (err == ws::HandshakeError::BadVersion) {
    ex.respond_error(426, "websocket_version", "Sec-WebSocket-Version must be 13",
                     {{"Sec-WebSocket-Version", "13"}});
    return false;
  }
  if (err != ws::HandshakeError::None) {
    ex.respond_error(400, "bad_websocket_handshake", "not a valid WebSocket upgrade request");
    return false;
  }
  return true;
}

ClassFeed& feed_of(ShardState& owner, ClassId cls) {
  auto it = owner.feeds.find(cls);
  if (it != owner.feeds.end()) return it->second;
  ClassFeed& f = owner.feeds[cls];
  const LiveConfig& lc = *owner.services->live;
  f.ring = std::make_unique<broadcast::ClassRing>(lc.ring_events, lc.ring_bytes);
  f.epoch = history_epoch(lc.epoch_key, lc.generation, cls.value);  // a new history
  f.followers.assign(owner.services->data_shards, false);
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------
// Messages between shards

struct SubscribeRequest {
  ClassId cls;
  UserId user;
  Role role = Role::Student;
  bool staff = false;
  bool has_since = false;
  std::uint64_t since = 0;
  std::uint32_t epoch = 0;
  unsigned origin = 0;
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  // Filled in by the owner.
  std::string frame;
  std::uint64_t cursor = 0;
  broadcast::ClassRing* ring = nullptr;
  std::uint32_t feed_epoch = 0;
};

namespace {

void on_subscribe_reply(shard::Shard& origin, const shard::Message& m) {
  std::unique_ptr<SubscribeRequest> req(reinterpret_cast<SubscribeRequest*>(m.words[0]));
  ShardState::of(origin).live->on_subscribed(req->index, req->generation, req->cls,
                                             std::move(req->frame), req->cursor, req->feed_epoch,
                                             req->ring);
}

// The owner answers a subscription: the connection_established frame (snapshot and
// resume decision) and the seq the subscriber continues after.
void on_subscribe(shard::Shard& owner, const shard::Message& m) {
  auto* req = reinterpret_cast<SubscribeRequest*>(m.words[0]);
  ShardState& st = ShardState::of(owner);
  ClassFeed& feed = feed_of(st, req->cls);
  feed.followers[req->origin] = true;
  const ClassInfo* cls = st.roster->class_info(req->cls);
  // The ring holds since+1..seq (or nothing is missing): the client resumes.
  const bool recovered = req->has_since && req->epoch == feed.epoch && req->since <= feed.seq &&
                         (req->since == feed.seq || (feed.ring->first_seq() != 0 &&
                                                     feed.ring->first_seq() <= req->since + 1));
  req->cursor = recovered ? req->since : feed.seq;
  req->ring = feed.ring.get();
  req->feed_epoch = feed.epoch;

  std::string data;
  JsonWriter w(data);
  w.begin_object()
      .field("role", to_string(req->role))
      .field("user_id", req->user.value)
      .field("recovered", recovered);
  w.key("snapshot").begin_object();
  const ClassAttendance& att = st.attendance(req->cls);
  const Session* s = att.open_session();
  w.key("session");
  if (s == nullptr || cls == nullptr) {
    w.null();
    w.key("records").begin_array().end_array();
    w.key("counts");
    write_counts(w, Counts{0, 0, 0, 0,
                           cls != nullptr ? static_cast<std::uint32_t>(cls->students.size()) : 0u,
                           cls != nullptr ? static_cast<std::uint32_t>(cls->students.size()) : 0u});
  } else {
    write_session(w, *cls, *s, req->staff);
    w.key("records").begin_array();
    if (req->staff) {
      for (const UserId student : cls->students)
        write_record(w, *st.roster, *cls, *s, s->record_of(student));
    } else {
      write_record(w, *st.roster, *cls, *s, s->record_of(req->user));
    }
    w.end_array().key("counts");
    write_counts(w, count(*cls, *s));
  }
  w.end_object().end_object();
  append_event_frame(req->frame, "connection_established", req->cls.value, feed.seq,
                     epoch_hex(feed.epoch), wall_ms(), data);
  owner.metrics().ws_resumes.inc();
  if (recovered) owner.metrics().ws_resumes_recovered.inc();

  shard::Message back;
  back.fn = on_subscribe_reply;
  back.words[0] = m.words[0];
  owner.post(req->origin, back, shard::Shard::PostMode::Always);
}

void on_advanced(shard::Shard& self, const shard::Message& m) {
  ShardState::of(self).live->deliver(ClassId{m.words[0]});
}

void on_unfollow(shard::Shard& owner, const shard::Message& m) {
  ShardState& st = ShardState::of(owner);
  auto it = st.feeds.find(ClassId{m.words[0]});
  if (it != st.feeds.end()) it->second.followers[m.words[1]] = false;
}

}  // namespace

// ---------------------------------------------------------------------------
// Publishing (owner)

void publish_events(ShardState& owner, ClassId cls, std::vector<FeedEvent>& events) {
  if (events.empty()) return;
  ClassFeed& feed = feed_of(owner, cls);
  const std::string epoch = epoch_hex(feed.epoch);
  metrics::ShardMetrics& metrics = owner.shard->metrics();
  EventFrameBuffers buffers;
  for (FeedEvent& e : events) {
    const std::uint64_t seq = ++feed.seq;
    if (!feed.ring->publish(seq, build_event_frames(e, cls.value, seq, epoch, buffers))) {
      // Larger than the whole ring: subscribers find it gone and are resynchronised.
      log::warn("event_too_large_for_ring", {{"class", static_cast<unsigned long long>(cls.value)},
                                             {"seq", static_cast<unsigned long long>(seq)}});
      // (The ring object stays: every shard's subscribers hold a pointer to it.)
      feed.ring->skip(seq);
    }
    metrics.ws_events_published.inc();
  }
  for (unsigned s = 0; s < feed.followers.size(); ++s) {
    if (!feed.followers[s] || s == owner.shard->id()) continue;
    shard::Message m;
    m.fn = on_advanced;
    m.words[0] = cls.value;
    owner.shard->post(s, m, shard::Shard::PostMode::Always);
  }
  if (feed.followers[owner.shard->id()]) owner.live->deliver(cls);
}

// ---------------------------------------------------------------------------
// The endpoint

LiveEndpoint::LiveEndpoint(ShardState& state, const LiveConfig& config)
    : st_(state), config_(config), conns_(state.shard->connections().capacity()) {
  blob_.reserve(64 * 1024);
}

void LiveEndpoint::upgrade_attendance(http::Exchange& ex) {
  // The token comes in the query: browsers cannot set headers on a WebSocket.
  const std::optional<std::string_view> token = query_value(ex.request.query, "token");
  if (!token || token->empty()) return ex.respond_error(401, "unauthorized", "missing token");
  const auth::VerifiedToken t = st_.services->jwt.verify(*token, wall_ms() / 1000);
  const User* user = t.ok ? st_.roster->user(UserId{t.claims.user_id}) : nullptr;
  if (user == nullptr || user->role != t.claims.role) {
    return ex.respond_error(401, "unauthorized",
                            t.ok ? "the token's user does not exist" : "the token is not valid");
  }
  const ClassId cls{ex.params.id(0).value_or(0)};
  if (!cls || st_.roster->class_info(cls) == nullptr)
    return ex.respond_error(404, "class_not_found", "no such class");
  const Relation rel = st_.roster->relation(user->id, cls);
  if (rel == Relation::None)
    return ex.respond_error(403, "forbidden", "you are not a member of this class");

  const http::RequestHead& h = ex.request;
  if (!handshake_ok(ex)) return;
  SubscribeRequest req;
  req.cls = cls;
  req.user = user->id;
  req.role = user->role;
  req.staff = rel != Relation::Student;
  if (const auto since = query_value(h.query, "since")) {
    const auto epoch = query_value(h.query, "epoch");
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(since->data(), since->data() + since->size(), n);
    if (ec != std::errc() || end != since->data() + since->size() || !epoch ||
        !parse_epoch(*epoch, req.epoch)) {
      return ex.respond_error(400, "bad_resume",
                              "since must be a seq and epoch the 8-hex-digit epoch it came with");
    }
    req.has_since = true;
    req.since = n;
  }
  const unsigned owner = owner_of(cls, st_.services->data_shards);
  if (!st_.shard->can_post(owner)) {
    return ex.respond_error(503, "overloaded", "the server is busy; retry shortly",
                            {{"Retry-After", "1"}});
  }
  std::string response;
  ws::append_handshake_response(response, h.header("sec-websocket-key"));
  ex.upgrade(response, this);
  // The connection is ours once the server switches it (on_upgraded).
  auto* heap = new SubscribeRequest(std::move(req));
  heap->origin = st_.shard->id();
  pending_subscribe_ = heap;
}

void LiveEndpoint::upgrade_echo(http::Exchange& ex) {
  const http::RequestHead& h = ex.request;
  if (!handshake_ok(ex)) return;
  std::string response;
  ws::append_handshake_response(response, h.header("sec-websocket-key"));
  ex.upgrade(response, this);
  pending_echo_ = true;
}

void LiveEndpoint::on_upgraded(net::Reactor& r, net::Connection& c, char* data, std::size_t len) {
  Conn& s = conns_[c.index];
  s = Conn{};
  s.last_heard_ms = static_cast<std::int64_t>(r.now_ms());
  if (pending_echo_) {
    pending_echo_ = false;
    s.mode = Mode::Echo;
  } else {
    RC_ASSERT(pending_subscribe_ != nullptr);
    SubscribeRequest* req = pending_subscribe_;
    pending_subscribe_ = nullptr;
    s.mode = Mode::Pending;
    s.cls = req->cls;
    s.sub.user = req->user.value;
    s.sub.staff = req->staff;
    s.sub.out = &c.out;
    req->index = c.index;
    req->generation = c.generation;
    shard::Message m;
    m.fn = on_subscribe;
    m.words[0] = reinterpret_cast<std::uintptr_t>(req);
    st_.shard->post(owner_of(req->cls, st_.services->data_shards), m,
                    shard::Shard::PostMode::Always);
    st_.shard->metrics().ws_subscribers_open.add(1);
    ++subscriber_count_;
  }
  arm_timer(r, c, s);
  if (len > 0) on_data(r, c, data, len);
}

void LiveEndpoint::on_subscribed(std::uint32_t index, std::uint32_t generation, ClassId cls,
                                 std::string frame, std::uint64_t cursor, std::uint32_t epoch,
                                 broadcast::ClassRing* ring) {
  net::Connection* c = st_.shard->connections().find({index, generation});
  Followed& f = followed_[cls];
  f.ring = ring;
  if (c == nullptr || conns_[index].mode != Mode::Pending) {
    // Gone before the owner answered; tell it if nobody here follows the class.
    if (f.conns.empty()) {
      followed_.erase(cls);
      shard::Message m;
      m.fn = on_unfollow;
      m.words[0] = cls.value;
      m.words[1] = st_.shard->id();
      st_.shard->post(owner_of(cls, st_.services->data_shards), m, shard::Shard::PostMode::Always);
    }
    return;
  }
  Conn& s = conns_[index];
  s.mode = Mode::Live;
  s.sub.cursor = cursor;
  s.epoch = epoch;
  f.conns.push_back(index);
  c->out.append(frame);
  st_.shard->flush(*c);
  deliver(cls);  // catch up: the resumed events, and whatever was published meanwhile
  if (s.pongs_owed > 0 && s.mode == Mode::Live) {
    for (; s.pongs_owed > 0; --s.pongs_owed) send_pong_message(*c, s);
    st_.shard->flush(*c);
  }
}

void LiveEndpoint::deliver(ClassId cls) {
  auto it = followed_.find(cls);
  if (it == followed_.end() || it->second.ring == nullptr) return;
  Followed& f = it->second;
  batch_.clear();
  for (const std::uint32_t i : f.conns) batch_.push_back(&conns_[i].sub);
  metrics::ShardMetrics& metrics = st_.shard->metrics();
  const broadcast::FanoutResult r =
      broadcast::fan_out(*f.ring, batch_, blob_, &metrics.ws_publish_to_send);
  metrics.ws_frames_sent.inc(r.frames);
  metrics.ws_bytes_sent.inc(r.bytes);
  if (r.lapped_at != 0) metrics.ws_ring_overruns.inc();
  std::vector<std::uint32_t> closing;
  for (const std::uint32_t i : f.conns) {
    Conn& s = conns_[i];
    net::Connection& c = st_.shard->connections().at(i);
    if (s.sub.touched) {
      s.sub.touched = false;
      st_.shard->flush(c);
    }
    // Missed events (the ring moved on without us), or too far behind: resume later.
    const bool lapped = r.lapped_at != 0 && s.sub.cursor < r.lapped_at;
    if (lapped || c.out.backlog_bytes() > config_.backlog_bytes_max) closing.push_back(i);
  }
  for (const std::uint32_t i : closing) {
    if (conns_[i].mode != Mode::Live) continue;
    metrics.ws_slow_closes.inc();
    close_with(*st_.shard, st_.shard->connections().at(i), ws::CloseCode::TryAgainLater,
               "too slow; resume with since");
  }
}

void LiveEndpoint::on_data(net::Reactor& r, net::Connection& c, char* data, std::size_t len) {
  Conn& s = conns_[c.index];
  if (s.mode == Mode::Closing || s.mode == Mode::None) return;
  if (!s.decoder) s.decoder = std::make_unique<ws::Decoder>(config_.message_bytes_max);
  s.last_heard_ms = static_cast<std::int64_t>(r.now_ms());
  s.decoder->feed(std::string_view(data, len));
  handle_frames(r, c, s);
}

void LiveEndpoint::handle_frames(net::Reactor& r, net::Connection& c, Conn& s) {
  while (s.mode != Mode::Closing && c.open()) {
    const ws::Event e = s.decoder->next();
    switch (e.kind) {
      case ws::Event::Kind::NeedMore: return;
      case ws::Event::Kind::Message:
        if (s.mode == Mode::Echo) {
          ws::append_frame(c.out.pending(), e.opcode, e.payload);
          r.flush(c);
        } else if (e.opcode == ws::Opcode::Text && is_ping_message(st_.json, e.payload)) {
          if (s.mode == Mode::Pending) {  // connection_established comes first: answer after it
            if (s.pongs_owed < 16) ++s.pongs_owed;
          } else {
            send_pong_message(c, s);
            r.flush(c);
          }
        }
        break;
      case ws::Event::Kind::Ping:
        ws::append_frame(c.out.pending(), ws::Opcode::Pong, e.payload);
        r.flush(c);
        break;
      case ws::Event::Kind::Pong: break;
      case ws::Event::Kind::Close:
        close_with(
            r, c,
            e.close_code == 1005 ? ws::CloseCode::Normal : static_cast<ws::CloseCode>(e.close_code),
            "");
        return;
      case ws::Event::Kind::Error:
        close_with(r, c, static_cast<ws::CloseCode>(e.close_code), e.error);
        return;
    }
  }
}

void LiveEndpoint::send_pong_message(net::Connection& c, const Conn& s) {
  append_event_frame(c.out.pending(), "pong", s.cls.value, s.sub.cursor, epoch_hex(s.epoch),
                     wall_ms(), "{}");
}

void LiveEndpoint::close_with(net::Reactor& r, net::Connection& c, ws::CloseCode code,
                              std::string_view reason) {
  Conn& s = conns_[c.index];
  if (s.mode == Mode::Closing) return;
  unfollow(c, s);
  s.mode = Mode::Closing;
  ws::append_close(c.out.pending(), code, reason);
  r.close(c, net::CloseMode::Graceful);
}

void LiveEndpoint::unfollow(net::Connection& c, Conn& s) {
  if (s.mode == Mode::Pending || s.mode == Mode::Live) {
    st_.shard->metrics().ws_subscribers_open.add(-1);
    --subscriber_count_;
  }
  if (s.mode != Mode::Live) return;
  auto it = followed_.find(s.cls);
  if (it == followed_.end()) return;
  auto& v = it->second.conns;
  v.erase(std::remove(v.begin(), v.end(), c.index), v.end());
  if (!v.empty()) return;
  followed_.erase(it);
  shard::Message m;
  m.fn = on_unfollow;
  m.words[0] = s.cls.value;
  m.words[1] = st_.shard->id();
  st_.shard->post(owner_of(s.cls, st_.services->data_shards), m, shard::Shard::PostMode::Always);
}

void LiveEndpoint::arm_timer(net::Reactor& r, net::Connection& c, Conn& s) {
  const std::uint64_t ping_at = r.now_ms() + config_.ping_interval_ms;
  const std::uint64_t drop_at =
      static_cast<std::uint64_t>(s.last_heard_ms) + config_.silence_timeout_ms;
  r.set_deadline(c, std::min(ping_at, drop_at));
}

void LiveEndpoint::on_deadline(net::Reactor& r, net::Connection& c) {
  Conn& s = conns_[c.index];
  if (s.mode == Mode::Closing) return r.close(c, net::CloseMode::Abort);
  if (static_cast<std::int64_t>(r.now_ms()) - s.last_heard_ms >= config_.silence_timeout_ms) {
    return close_with(r, c, ws::CloseCode::PolicyViolation, "silent for too long");
  }
  ws::append_frame(c.out.pending(), ws::Opcode::Ping, {});
  r.flush(c);
  arm_timer(r, c, s);
}

void LiveEndpoint::on_peer_closed(net::Reactor& r, net::Connection& c) {
  Conn& s = conns_[c.index];
  unfollow(c, s);
  s.mode = Mode::Closing;
  r.close(c, net::CloseMode::Graceful);
}

void LiveEndpoint::on_drained(net::Reactor&, net::Connection&) {}

void LiveEndpoint::on_closed(net::Connection& c) {
  Conn& s = conns_[c.index];
  unfollow(c, s);
  s = Conn{};
}

void LiveEndpoint::on_shutdown(net::Reactor& r, net::Connection& c) {
  close_with(r, c, ws::CloseCode::GoingAway, "server shutting down");
}

}  // namespace rollcall::api

#include "rollcall/live/endpoint.hpp"

#include <algorithm>

#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_writer.hpp"
#include "rollcall/domain/session_code.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/shard/call.hpp"
#include "rollcall/wire/json.hpp"

namespace rollcall::live {

using namespace domain;

namespace {

/// Room for an event's envelope (type, class, seq, epoch, time) or a control
/// frame around its payload, so a frame is written into a buffer that fits it.
constexpr std::size_t kFrameEnvelopeBytes = 192;

// {"type":"ping"} (other members ignored).
bool is_ping_message(wire::JsonScratch& json, std::string_view text) {
  bool ping = false;
  const auto err = wire::parse_object(
      json, text,
      [&](std::string_view key, simdjson::ondemand::value v) -> std::optional<wire::Error> {
        std::string_view type;
        if (key == "type" && v.get_string().get(type) == simdjson::SUCCESS) ping = type == "ping";
        return std::nullopt;
      });
  return !err && ping;
}

wire::Error bad_handshake(std::string_view why) {
  return {400, "bad_websocket_handshake", std::string(why)};
}

// Why `ex` is not a valid WebSocket upgrade (RFC 6455 §4.2.1/§4.2.2), or nullopt.
std::optional<wire::Error> handshake_error(const http::Exchange& ex) {
  const http::RequestHead& h = ex.request;
  if (h.version_major != 1 || h.version_minor < 1) {
    return bad_handshake("a WebSocket upgrade needs HTTP/1.1");
  }
  if (h.header_occurrences("sec-websocket-key") > 1 ||
      h.header_occurrences("sec-websocket-version") > 1) {
    return bad_handshake("Sec-WebSocket-Key and Sec-WebSocket-Version may appear once");
  }
  const ws::HandshakeError err =
      ws::check_handshake(h.method_name, h.header("upgrade"), h.header("connection"),
                          h.header("sec-websocket-version"), h.header("sec-websocket-key"));
  if (err == ws::HandshakeError::BadVersion) {
    return wire::Error{426,
                       "websocket_version",
                       "Sec-WebSocket-Version must be 13",
                       {{"Sec-WebSocket-Version", "13"}}};
  }
  if (err != ws::HandshakeError::None)
    return bad_handshake("not a valid WebSocket upgrade request");
  return std::nullopt;
}

void upgrade(http::Exchange& ex, http::UpgradedHandler* handler) {
  thread_local std::string response;  // the shard's own, reused: nothing allocated once warm
  response.clear();
  ws::append_handshake_response(response, ex.request.header("sec-websocket-key"));
  ex.upgrade(response, handler);
}

// connection_established's "snapshot": the open session and what the subscriber
// may see of it.
void write_snapshot(JsonWriter& w, const Roster& roster, const ClassInfo* cls,
                    const ClassAttendance& att, const Subscription& sub, std::int64_t now_ms) {
  const Session* s = att.open_session();
  const auto enrolled = cls != nullptr ? static_cast<std::uint32_t>(cls->students.size()) : 0u;
  w.begin_object().key("session");
  if (s == nullptr || cls == nullptr) {
    w.null();
    w.key("records").begin_array().end_array().key("counts");
    wire::write_counts(w, Counts{0, 0, 0, 0, enrolled, enrolled});
    w.end_object();
    return;
  }
  wire::write_session(w, *cls, *s, sub.staff, now_ms);
  w.key("records").begin_array();
  if (sub.staff) {
    for (const UserId student : cls->students) {
      wire::write_record(w, roster, *cls, *s, s->record_of(student));
    }
  } else {
    wire::write_record(w, roster, *cls, *s, s->record_of(sub.user));
  }
  w.end_array().key("counts");
  wire::write_counts(w, count(*cls, *s));
  w.end_object();
}

std::shared_ptr<const std::string> make_snapshot(owner::Owner& owner, const Subscription& sub,
                                                 std::int64_t now_ms) {
  auto json = std::make_shared<std::string>();
  JsonWriter w(*json);
  write_snapshot(w, owner.roster(), owner.roster().class_info(sub.cls), owner.attendance(sub.cls),
                 sub, now_ms);
  json->shrink_to_fit();  // kept while the class stands still: no doubling slack
  return json;
}

// Which rotating code a staff snapshot made at `now_ms` shows: 1 + the open
// session's code window, 0 when no code rotates (the snapshot then shows the same
// code all session long).
std::int64_t shown_code_key(const ClassAttendance& att, std::int64_t now_ms) {
  const Session* s = att.open_session();
  if (s == nullptr || !s->rotating_code()) return 0;
  return 1 + domain::code_window(now_ms, s->code_rotation_s);
}

// The subscriber's snapshot: for staff, the class's cached one while the class has
// not moved on (and nothing is still on its way to disk: the state then shows a
// change its seq does not count yet).
std::shared_ptr<const std::string> snapshot_for(owner::Owner& owner, ClassFeed& feed,
                                                const Subscription& sub, bool settled) {
  const std::int64_t now_ms = wall_ms();
  if (!sub.staff) return make_snapshot(owner, sub, now_ms);
  SnapshotCache& cache = feed.staff_snapshot;
  const std::uint64_t roster_version = owner.roster().version();
  const std::int64_t code_key = shown_code_key(owner.attendance(sub.cls), now_ms);
  if (settled && cache.json && cache.seq == feed.seq && cache.roster_version == roster_version &&
      cache.code_key == code_key) {
    return cache.json;
  }
  std::shared_ptr<const std::string> json = make_snapshot(owner, sub, now_ms);
  if (settled) cache = {json, feed.seq, roster_version, code_key};
  return json;
}

Endpoint::Subscribed unavailable(ClassId cls) {
  Endpoint::Subscribed answer;
  answer.cls = cls;
  answer.unavailable = true;
  return answer;
}

// Asks the class's owner for connection_established and the seq to continue
// after: the ring holds since+1..seq (or nothing is missing), so the client resumes.
struct SubscribeJob {
  const Peers* peers;
  Subscription sub;
  unsigned origin = 0;
  Endpoint::Subscribed answer;

  void run(shard::Shard& here, shard::Reply<SubscribeJob> reply) {
    owner::Owner& owner = *peers->owners[here.id()];
    if (owner.tainted(sub.cls)) {
      answer = unavailable(sub.cls);
      return reply.send();
    }
    // The snapshot may show a change still on its way to disk: it goes out once that
    // change is durable (after the change's own events, which queue before it).
    const bool settled = owner.settled(sub.cls);
    establish(here, owner, settled);
    if (settled) return reply.send();
    owner.after_durable(ClassId{}, [reply = std::move(reply)](bool durable) mutable {
      if (!durable) reply.job().answer = unavailable(reply.job().sub.cls);
      reply.send();
    });
  }
  // connection_established's parts and where the subscriber continues.
  void establish(shard::Shard& here, owner::Owner& owner, bool settled) {
    ClassFeed& feed = peers->feeds[here.id()]->feed(sub.cls);
    feed.followers[origin] = true;
    const std::uint64_t first = feed.ring->first_seq();
    const bool recovered = sub.since && sub.epoch == feed.epoch && *sub.since <= feed.seq &&
                           (*sub.since == feed.seq || (first != 0 && first <= *sub.since + 1));
    answer = Endpoint::Subscribed{};
    answer.cls = sub.cls;
    answer.snapshot = snapshot_for(owner, feed, sub, settled);
    answer.seq = feed.seq;
    answer.timestamp_ms = wall_ms();
    answer.recovered = recovered;
    answer.cursor = recovered ? *sub.since : feed.seq;
    answer.epoch = feed.epoch;
    answer.ring = feed.ring.get();
    FeedMetrics& m = peers->feeds[here.id()]->metrics();
    (recovered ? m.subscriptions_recovered : m.subscriptions_fresh).inc();
  }
  void finish(shard::Shard& here, net::Connection& c) {
    peers->endpoints[here.id()]->on_subscribed(c, answer);
  }
  void abandoned(shard::Shard& here) { peers->endpoints[here.id()]->on_abandoned(sub.cls); }
};

// The shard no longer has subscribers of a class: its owner stops telling it.
class Unfollow final : public shard::Task {
 public:
  Unfollow(Feeds& owner_feeds, ClassId cls, unsigned shard)
      : feeds_(owner_feeds), cls_(cls), shard_(shard) {}
  void run(shard::Shard&, std::unique_ptr<shard::Task>) override {
    feeds_.set_follower(cls_, shard_, false);
  }

 private:
  Feeds& feeds_;
  ClassId cls_;
  unsigned shard_;
};

}  // namespace

Endpoint::Endpoint(shard::Shard& shard, const LiveConfig& config, const Peers& peers)
    : shard_(shard), config_(config), peers_(peers), conns_(shard.connections().capacity()) {
  blob_.reserve(64 * 1024);
  shard.registry().add(metrics_);
}

std::optional<wire::Error> Endpoint::subscribe(http::Exchange& ex, const Subscription& s) {
  if (auto err = handshake_error(ex)) return err;
  if (!shard_.can_post(owner::owner_of(s.cls, static_cast<unsigned>(peers_.owners.size())))) {
    return wire::overloaded();
  }
  if (auto err = hold_user_place(s.user)) return err;
  upgrade(ex, this);
  pending_subscribe_ = s;  // the connection is ours once the server switches it
  return std::nullopt;
}

std::optional<wire::Error> Endpoint::hold_user_place(UserId user) {
  pending_user_held_ = kNotHeld;
  if (peers_.per_user == nullptr) return std::nullopt;
  const std::uint64_t id = user.value;
  const std::string_view key(reinterpret_cast<const char*>(&id), sizeof id);
  const std::optional<std::uint32_t> held =
      peers_.per_user->try_acquire(key, config_.subscriptions_per_user_max);
  if (!held) {
    metrics_.per_user_refusals.inc();
    return wire::Error{429, "too_many_subscriptions",
                       "this user already has the most live connections allowed; close one"};
  }
  pending_user_held_ = *held;
  return std::nullopt;
}

std::optional<wire::Error> Endpoint::echo(http::Exchange& ex) {
  if (auto err = handshake_error(ex)) return err;
  upgrade(ex, this);
  pending_echo_ = true;
  return std::nullopt;
}

void Endpoint::on_upgraded(net::Reactor& r, net::Connection& c, char* data, std::size_t len) {
  Conn& s = conns_[c.index];
  s = Conn{};
  s.last_heard_ms = static_cast<std::int64_t>(r.now_ms());
  if (pending_echo_) {
    pending_echo_ = false;
    s.mode = Mode::Echo;
  } else {
    start_subscription(c, s);
  }
  arm_timer(r, c, s);
  if (len > 0) on_data(r, c, data, len);
}

void Endpoint::start_subscription(net::Connection& c, Conn& s) {
  RC_ASSERT(pending_subscribe_.has_value());
  const Subscription sub = *pending_subscribe_;
  pending_subscribe_.reset();
  s.mode = Mode::Pending;
  s.user_held = pending_user_held_;
  pending_user_held_ = kNotHeld;
  s.cls = sub.cls;
  s.sub.user = sub.user.value;
  s.sub.staff = sub.staff;
  s.role = sub.role;
  s.sub.out = &c.out;
  // The token's expiry, on the loop's monotonic clock.
  const std::int64_t left_ms = sub.expires_at_s * 1000 - wall_ms();
  s.expires_ms = shard_.now_ms() + static_cast<std::uint64_t>(std::max<std::int64_t>(0, left_ms));
  SubscribeJob job{&peers_, sub, shard_.id(), {}};
  const unsigned owner = owner::owner_of(sub.cls, static_cast<unsigned>(peers_.owners.size()));
  // Room was checked before the upgrade; a subscription is not refused once upgraded.
  const bool submitted =
      shard::submit(shard_, owner, c.handle(), std::move(job), shard::Shard::PostMode::Always);
  RC_ASSERT(submitted);
  metrics_.subscribers_open.add(1);
  ++subscriber_count_;
}

void Endpoint::on_abandoned(ClassId cls) {
  // Gone before the owner answered; tell it if nobody here follows the class.
  auto it = followed_.find(cls);
  if (it != followed_.end() && !it->second.conns.empty()) return;
  if (it != followed_.end()) followed_.erase(it);
  tell_owner_unfollowed(cls);
}

void Endpoint::on_subscribed(net::Connection& c, Subscribed& answer) {
  Conn& s = conns_[c.index];
  if (s.mode != Mode::Pending) return on_abandoned(answer.cls);
  if (answer.unavailable) {
    close_with(shard_, c, ws::CloseCode::InternalError, "storage_unavailable");
    return on_abandoned(answer.cls);
  }
  Followed& f = followed_[answer.cls];
  f.ring = answer.ring;
  s.mode = Mode::Live;
  s.sub.cursor = answer.cursor;
  s.epoch = answer.epoch;
  f.conns.push_back(c.index);
  send_established(c, s, answer);
  shard_.flush(c);
  deliver(answer.cls);  // catch up: the resumed events, and whatever was published meanwhile
  if (s.pongs_owed > 0 && s.mode == Mode::Live) {
    for (; s.pongs_owed > 0; --s.pongs_owed) send_pong_message(c, s);
    shard_.flush(c);
  }
}

void Endpoint::send_established(net::Connection& c, const Conn& s, const Subscribed& answer) {
  RC_ASSERT(answer.snapshot != nullptr);
  established_head_.clear();  // {"role":..,"user_id":..,"recovered":..,"snapshot":
  JsonWriter w(established_head_);
  w.begin_object().field("role", to_string(s.role)).field("user_id", s.sub.user);
  w.field("recovered", answer.recovered).key("snapshot");
  const std::size_t expect =
      kFrameEnvelopeBytes + established_head_.size() + answer.snapshot->size();
  append_event_frame(c.out.pending(expect), "connection_established", answer.cls.value, answer.seq,
                     epoch_hex(answer.epoch), answer.timestamp_ms,
                     {established_head_, *answer.snapshot, "}"});
}

void Endpoint::deliver(ClassId cls) {
  auto it = followed_.find(cls);
  if (it == followed_.end() || it->second.ring == nullptr) return;
  Followed& f = it->second;
  batch_.clear();
  for (const std::uint32_t i : f.conns) batch_.push_back(&conns_[i].sub);
  const broadcast::FanoutResult r =
      broadcast::fan_out(*f.ring, batch_, blob_, &metrics_.publish_to_send);
  metrics_.frames_sent.inc(r.frames);
  metrics_.bytes_sent.inc(r.bytes);
  if (r.lapped_at != 0) metrics_.ring_overruns.inc();
  close_lagging(f, r.lapped_at);
}

void Endpoint::close_lagging(Followed& f, std::uint64_t lapped_at) {
  std::vector<std::uint32_t> closing;
  for (const std::uint32_t i : f.conns) {
    Conn& s = conns_[i];
    net::Connection& c = shard_.connections().at(i);
    if (s.sub.touched) {
      s.sub.touched = false;
      shard_.flush(c);
    }
    // Missed events (the ring moved on without us), or too far behind: resume later.
    const bool lapped = lapped_at != 0 && s.sub.cursor < lapped_at;
    if (lapped || shard_.over_budget(c)) closing.push_back(i);
  }
  for (const std::uint32_t i : closing) {
    if (conns_[i].mode != Mode::Live) continue;
    metrics_.slow_closes.inc();
    shard_.metrics().backlog_overflows.inc();
    close_with(shard_, shard_.connections().at(i), ws::CloseCode::TryAgainLater,
               "too slow; resume with since");
  }
}

void Endpoint::on_data(net::Reactor& r, net::Connection& c, char* data, std::size_t len) {
  Conn& s = conns_[c.index];
  if (s.mode == Mode::Closing || s.mode == Mode::None) return;
  if (!s.decoder) s.decoder = std::make_unique<ws::Decoder>(config_.message_bytes_max);
  s.last_heard_ms = static_cast<std::int64_t>(r.now_ms());
  s.decoder->feed(std::string_view(data, len));
  handle_frames(r, c, s);
}

void Endpoint::handle_frames(net::Reactor& r, net::Connection& c, Conn& s) {
  while (s.mode != Mode::Closing && c.open()) {
    // Every answer (pong, echo) counts against the connection's output budget.
    if (r.over_budget(c)) return over_budget(r, c, s);
    const ws::Event e = s.decoder->next();
    switch (e.kind) {
      case ws::Event::Kind::NeedMore: return;
      case ws::Event::Kind::Message:
        if (s.mode == Mode::Echo) {
          ws::append_frame(c.out.pending(kFrameEnvelopeBytes + e.payload.size()), e.opcode,
                           e.payload);
          r.flush(c);
        } else if (e.opcode == ws::Opcode::Text && is_ping_message(json_, e.payload)) {
          if (s.mode == Mode::Pending) {  // connection_established comes first: answer after it
            if (s.pongs_owed < 16) ++s.pongs_owed;
          } else {
            send_pong_message(c, s);
            r.flush(c);
          }
        }
        break;
      case ws::Event::Kind::Ping:
        ws::append_frame(c.out.pending(kFrameEnvelopeBytes + e.payload.size()), ws::Opcode::Pong,
                         e.payload);
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

void Endpoint::over_budget(net::Reactor& r, net::Connection& c, Conn& s) {
  // An echo waits (the loop stops reading it; on_drained decodes the rest). A
  // subscriber is never grown: it is closed and resumes with `since`.
  if (s.mode == Mode::Echo) return;
  metrics_.slow_closes.inc();
  shard_.metrics().backlog_overflows.inc();
  close_with(r, c, ws::CloseCode::TryAgainLater, "too slow; resume with since");
}

void Endpoint::send_pong_message(net::Connection& c, const Conn& s) {
  append_event_frame(c.out.pending(kFrameEnvelopeBytes), "pong", s.cls.value, s.sub.cursor,
                     epoch_hex(s.epoch), wall_ms(), "{}");
}

void Endpoint::close_with(net::Reactor& r, net::Connection& c, ws::CloseCode code,
                          std::string_view reason) {
  Conn& s = conns_[c.index];
  if (s.mode == Mode::Closing) return;
  unfollow(c, s);
  s.mode = Mode::Closing;
  ws::append_close(c.out.pending(kFrameEnvelopeBytes + reason.size()), code, reason);
  r.close(c, net::CloseMode::Graceful);
}

void Endpoint::unfollow(net::Connection& c, Conn& s) {
  if (s.mode == Mode::Pending || s.mode == Mode::Live) {
    metrics_.subscribers_open.add(-1);
    --subscriber_count_;
    if (s.user_held != kNotHeld) peers_.per_user->release(s.user_held);
    s.user_held = kNotHeld;
  }
  if (s.mode != Mode::Live) return;
  auto it = followed_.find(s.cls);
  if (it == followed_.end()) return;
  auto& v = it->second.conns;
  v.erase(std::remove(v.begin(), v.end(), c.index), v.end());
  if (!v.empty()) return;
  followed_.erase(it);
  tell_owner_unfollowed(s.cls);
}

void Endpoint::tell_owner_unfollowed(ClassId cls) {
  const unsigned owner = owner::owner_of(cls, static_cast<unsigned>(peers_.owners.size()));
  std::unique_ptr<shard::Task> task =
      std::make_unique<Unfollow>(*peers_.feeds[owner], cls, shard_.id());
  const bool posted = shard_.post(owner, task, shard::Shard::PostMode::Always);
  RC_ASSERT(posted);
}

void Endpoint::arm_timer(net::Reactor& r, net::Connection& c, Conn& s) {
  const std::uint64_t ping_at = r.now_ms() + config_.ping_interval_ms;
  const std::uint64_t drop_at =
      static_cast<std::uint64_t>(s.last_heard_ms) + config_.silence_timeout_ms;
  r.set_deadline(c, std::min({ping_at, drop_at, s.expires_ms}));
}

void Endpoint::on_deadline(net::Reactor& r, net::Connection& c) {
  Conn& s = conns_[c.index];
  if (s.mode == Mode::Closing) return r.close(c, net::CloseMode::Abort);
  if (r.now_ms() >= s.expires_ms) {
    metrics_.token_expired_closes.inc();
    return close_with(r, c, ws::CloseCode::PolicyViolation, "token_expired");
  }
  if (static_cast<std::int64_t>(r.now_ms()) - s.last_heard_ms >= config_.silence_timeout_ms) {
    return close_with(r, c, ws::CloseCode::PolicyViolation, "silent for too long");
  }
  ws::append_frame(c.out.pending(kFrameEnvelopeBytes), ws::Opcode::Ping, {});
  r.flush(c);
  arm_timer(r, c, s);
}

void Endpoint::on_peer_closed(net::Reactor& r, net::Connection& c) {
  Conn& s = conns_[c.index];
  unfollow(c, s);
  s.mode = Mode::Closing;
  r.close(c, net::CloseMode::Graceful);
}

void Endpoint::on_drained(net::Reactor& r, net::Connection& c) {
  Conn& s = conns_[c.index];
  // An echo that stopped over its budget: decode what is still buffered.
  if (s.mode == Mode::Echo && s.decoder) handle_frames(r, c, s);
}

void Endpoint::on_closed(net::Connection& c) {
  Conn& s = conns_[c.index];
  unfollow(c, s);
  s = Conn{};
}

void Endpoint::on_shutdown(net::Reactor& r, net::Connection& c) {
  close_with(r, c, ws::CloseCode::GoingAway, "server shutting down");
}

}  // namespace rollcall::live

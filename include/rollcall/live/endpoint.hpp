#pragma once
/// The readers' side of live updates (API.md §5): one shard's WebSocket
/// subscribers of `/ws/attendance/{class_id}` (and the echo endpoint for
/// conformance suites).
///
/// Subscribing: the API checks the token, the class and the caller's right to see
/// it; `subscribe` answers the handshake and asks the class's owner (a round trip,
/// shard/call.hpp) for the `connection_established` frame (snapshot or resume
/// decision) and the seq to continue from; then it catches the subscriber up from
/// the ring and it is live. Events published in between are in the ring, so nothing
/// is missed or doubled. From then on, each time the owner says a class advanced,
/// `deliver` appends the new events' frames to every local subscriber of that class
/// (broadcast/fanout.hpp), each seeing only what its audience may see.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rollcall/broadcast/fanout.hpp"
#include "rollcall/broadcast/ring.hpp"
#include "rollcall/common/shared_counts.hpp"
#include "rollcall/domain/types.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/live/feed.hpp"
#include "rollcall/owner/owner.hpp"
#include "rollcall/shard/shard.hpp"
#include "rollcall/wire/errors.hpp"
#include "rollcall/wire/json_reader.hpp"
#include "rollcall/ws/codec.hpp"

namespace rollcall::live {

/// A subscription the API allowed: who, to which class, resuming from where.
struct Subscription {
  domain::ClassId cls;
  domain::UserId user;
  domain::Role role = domain::Role::Student;
  bool staff = false;                  ///< teacher of the class or admin: every event in full
  std::optional<std::uint64_t> since;  ///< resume after this seq...
  std::uint32_t epoch = 0;             ///< ...of this history
  std::int64_t expires_at_s = 0;       ///< the token's `exp`: closed 1008 token_expired then
};

/// Every data shard's owner state, feeds and endpoint, by shard id: how the live
/// side reaches the shard it must run something on. Filled before the shards run.
struct Peers {
  std::vector<owner::Owner*> owners;
  std::vector<Feeds*> feeds;
  std::vector<Endpoint*> endpoints;
  SharedCounts* per_user = nullptr;  ///< live subscriptions by user, all shards; null: no cap
};

/// What one shard's endpoint counts about its subscribers.
struct alignas(64) EndpointMetrics {
  metrics::Gauge subscribers_open;        ///< WebSocket subscribers (attendance feeds)
  metrics::Counter frames_sent;           ///< event frames fanned out to subscribers
  metrics::Counter bytes_sent;            ///< bytes of those frames
  metrics::Counter ring_overruns;         ///< this shard found events already overwritten
  metrics::Counter slow_closes;           ///< subscribers closed with 1013 (too slow or lapped)
  metrics::Counter token_expired_closes;  ///< subscribers closed 1008: their token expired
  metrics::Counter per_user_refusals;     ///< handshakes refused: the user's subscriptions are full
  metrics::LatencyHistogram publish_to_send;  ///< event published -> frames queued here

  void describe(metrics::Sink& s) const {
    s.family("rollcall_ws_subscribers_open", "WebSocket subscribers of attendance feeds.")
        .add(subscribers_open);
    s.family("rollcall_ws_frames_sent_total", "Event frames fanned out to subscribers.")
        .add(frames_sent);
    s.family("rollcall_ws_sent_bytes_total", "Bytes of event frames fanned out.").add(bytes_sent);
    s.family("rollcall_ws_ring_overruns_total",
             "Times a shard found events already overwritten in a ring.")
        .add(ring_overruns);
    s.family("rollcall_ws_slow_consumer_closes_total", "Subscribers closed with 1013 (too slow).")
        .add(slow_closes);
    s.family("rollcall_ws_token_expired_closes_total",
             "Subscribers closed with 1008 token_expired when their token expired.")
        .add(token_expired_closes);
    s.family("rollcall_ws_subscriptions_refused_total",
             "Subscriptions refused with 429 because their user already held "
             "--max-subscriptions-per-user.")
        .add(per_user_refusals);
    s.family("rollcall_ws_publish_to_send_seconds",
             "Event published by the owner -> its frames queued for sending on a shard.")
        .add(publish_to_send);
  }
};

class Endpoint final : public http::UpgradedHandler {
 public:
  /// Adds its metrics to the shard's registry (before the shard runs).
  Endpoint(shard::Shard& shard, const LiveConfig& config, const Peers& peers);

  /// Answers `ex`'s WebSocket handshake and subscribes. Returns the error to answer
  /// instead when the handshake is not a valid upgrade (RFC 6455 §4.2) or the
  /// owner's mailbox is full.
  std::optional<wire::Error> subscribe(http::Exchange& ex, const Subscription& s);
  /// `GET /ws/echo` (`--ws-echo`): an unauthenticated echo, for conformance suites.
  std::optional<wire::Error> echo(http::Exchange& ex);

  /// New events of `cls` may be in its ring: deliver them to this shard's subscribers.
  void deliver(domain::ClassId cls);

  // The subscribe round trip, back on this shard.
  struct Subscribed {
    domain::ClassId cls;
    /// connection_established's "snapshot" (shared with other subscribers for staff).
    std::shared_ptr<const std::string> snapshot;
    std::uint64_t seq = 0;  ///< the class's seq when the snapshot was taken
    std::int64_t timestamp_ms = 0;
    bool recovered = false;
    std::uint64_t cursor = 0;
    std::uint32_t epoch = 0;
    broadcast::ClassRing* ring = nullptr;
    /// The class's state could not be made durable (tainted): nothing to show.
    bool unavailable = false;
  };
  void on_subscribed(net::Connection& c, Subscribed& s);
  void on_abandoned(domain::ClassId cls);

  // http::UpgradedHandler
  void on_upgraded(net::Reactor& r, net::Connection& c, char* data, std::size_t len) override;
  void on_data(net::Reactor& r, net::Connection& c, char* data, std::size_t len) override;
  void on_peer_closed(net::Reactor& r, net::Connection& c) override;
  void on_drained(net::Reactor& r, net::Connection& c) override;
  void on_deadline(net::Reactor& r, net::Connection& c) override;
  void on_closed(net::Connection& c) override;
  void on_shutdown(net::Reactor& r, net::Connection& c) override;

  std::size_t subscribers() const { return subscriber_count_; }
  const EndpointMetrics& metrics() const { return metrics_; }

 private:
  static constexpr std::uint32_t kNotHeld = 0xFFFFFFFFu;
  enum class Mode : std::uint8_t { None, Echo, Pending, Live, Closing };
  struct Conn {
    Mode mode = Mode::None;
    domain::ClassId cls;
    broadcast::Subscriber sub;  ///< user, audience, cursor, output queue
    std::uint32_t epoch = 0;
    domain::Role role = domain::Role::Student;
    std::int64_t last_heard_ms = 0;
    std::uint64_t expires_ms = ~std::uint64_t{0};  ///< monotonic: the token's expiry (subscribers)
    std::uint32_t user_held = kNotHeld;            ///< the per-user counter this subscription holds
    std::uint8_t pongs_owed =
        0;  ///< pings before connection_established (answered after it; at most 16)
    std::unique_ptr<ws::Decoder> decoder;  ///< made on first data: idle subscribers stay small
  };
  struct Followed {
    broadcast::ClassRing* ring = nullptr;
    std::vector<std::uint32_t> conns;  ///< live subscribers (connection slot indices)
  };

  void start_subscription(net::Connection& c, Conn& s);
  std::optional<wire::Error> hold_user_place(domain::UserId user);
  void handle_frames(net::Reactor& r, net::Connection& c, Conn& s);
  void close_with(net::Reactor& r, net::Connection& c, ws::CloseCode code, std::string_view reason);
  void unfollow(net::Connection& c, Conn& s);
  void tell_owner_unfollowed(domain::ClassId cls);
  void arm_timer(net::Reactor& r, net::Connection& c, Conn& s);
  void over_budget(net::Reactor& r, net::Connection& c, Conn& s);
  void send_pong_message(net::Connection& c, const Conn& s);
  void send_established(net::Connection& c, const Conn& s, const Subscribed& answer);
  void close_lagging(Followed& f, std::uint64_t lapped_at);

  shard::Shard& shard_;
  LiveConfig config_;
  const Peers& peers_;
  wire::JsonScratch json_;
  std::vector<Conn> conns_;  ///< per connection slot
  std::unordered_map<domain::ClassId, Followed> followed_;
  std::string blob_;                           ///< scratch for events copied out of a ring
  std::string established_head_;               ///< scratch: connection_established's start
  std::vector<broadcast::Subscriber*> batch_;  ///< scratch: one class's live subscribers
  std::size_t subscriber_count_ = 0;
  // Between a route handler's upgrade and the server's on_upgraded (same call stack).
  std::optional<Subscription> pending_subscribe_;
  std::uint32_t pending_user_held_ = kNotHeld;
  bool pending_echo_ = false;
  EndpointMetrics metrics_;
};

}  // namespace rollcall::live

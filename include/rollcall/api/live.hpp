#pragma once
/// Live updates over WebSocket (API.md §5): `/ws/attendance/{class_id}`.
///
/// The class's owner shard keeps its `ClassFeed`: the class's `seq`, `epoch` and
/// event ring. Once a change is durable, the owner encodes its events once per
/// audience into the ring and wakes every shard that has subscribers of the class
/// (one mailbox message each). Each shard keeps its own subscribers; it reads new
/// events from the ring without locks and appends the right frame to each
/// subscriber's output, which goes out with everything else of that loop turn.
///
/// Subscribing: the accepting shard checks the token and the class, answers the
/// upgrade, and asks the owner for the `connection_established` frame (snapshot or
/// resume decision) and the seq to continue from; then it catches the subscriber up
/// from the ring and it is live. Events published in between are in the ring, so
/// nothing is missed or doubled.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "rollcall/api/context.hpp"
#include "rollcall/api/feed.hpp"
#include "rollcall/api/live_events.hpp"
#include "rollcall/broadcast/fanout.hpp"
#include "rollcall/broadcast/ring.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/ws/codec.hpp"

namespace rollcall::api {

/// Publishes `events` for class `cls` (owner shard only): seq, ring, wake-ups.
void publish_events(ShardState& owner, domain::ClassId cls, std::vector<FeedEvent>& events);

/// One shard's WebSocket subscribers (and the echo endpoint for conformance tests).
class LiveEndpoint final : public http::UpgradedHandler {
 public:
  LiveEndpoint(ShardState& state, const LiveConfig& config);

  /// Route handler for `GET /ws/attendance/{class_id}`.
  void upgrade_attendance(http::Exchange& ex);
  /// Route handler for `GET /ws/echo` (`--ws-echo`).
  void upgrade_echo(http::Exchange& ex);

  /// New events of `cls` may be in its ring: deliver them to this shard's subscribers.
  void deliver(domain::ClassId cls);

  // Used by the subscribe protocol (messages between shards).
  void on_subscribed(std::uint32_t index, std::uint32_t generation, domain::ClassId cls,
                     std::string frame, std::uint64_t cursor, std::uint32_t epoch,
                     broadcast::ClassRing* ring);

  // http::UpgradedHandler
  void on_upgraded(net::Reactor& r, net::Connection& c, char* data, std::size_t len) override;
  void on_data(net::Reactor& r, net::Connection& c, char* data, std::size_t len) override;
  void on_peer_closed(net::Reactor& r, net::Connection& c) override;
  void on_drained(net::Reactor& r, net::Connection& c) override;
  void on_deadline(net::Reactor& r, net::Connection& c) override;
  void on_closed(net::Connection& c) override;
  void on_shutdown(net::Reactor& r, net::Connection& c) override;

  std::size_t subscribers() const { return subscriber_count_; }

 private:
  enum class Mode : std::uint8_t { None, Echo, Pending, Live, Closing };
  struct Conn {
    Mode mode = Mode::None;
    domain::ClassId cls;
    broadcast::Subscriber sub;  ///< user, audience, cursor, output queue
    std::uint32_t epoch = 0;
    std::int64_t last_heard_ms = 0;
    std::uint8_t pongs_owed =
        0;  ///< pings before connection_established (answered after it; at most 16)
    std::unique_ptr<ws::Decoder> decoder;  ///< made on first data: idle subscribers stay small
  };
  struct Followed {
    broadcast::ClassRing* ring = nullptr;
    std::vector<std::uint32_t> conns;  ///< live subscribers (connection slot indices)
  };

  void handle_frames(net::Reactor& r, net::Connection& c, Conn& s);
  void close_with(net::Reactor& r, net::Connection& c, ws::CloseCode code, std::string_view reason);
  void unfollow(net::Connection& c, Conn& s);
  void arm_timer(net::Reactor& r, net::Connection& c, Conn& s);
  void send_pong_message(net::Connection& c, const Conn& s);

  ShardState& st_;
  LiveConfig config_;
  std::vector<Conn> conns_;  ///< per connection slot
  std::unordered_map<domain::ClassId, Followed> followed_;
  std::string blob_;                           ///< scratch for events copied out of a ring
  std::vector<broadcast::Subscriber*> batch_;  ///< scratch: one class's live subscribers
  std::size_t subscriber_count_ = 0;
  // Between a route handler's upgrade and the server's on_upgraded (same call stack).
  struct SubscribeRequest* pending_subscribe_ = nullptr;
  bool pending_echo_ = false;
};

}  // namespace rollcall::api

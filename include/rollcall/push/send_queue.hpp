#pragma once
/// The sender's bookkeeping, without I/O and without a clock (times are monotonic
/// milliseconds the caller passes in): every delivery accepted and not finished is
/// in exactly one of three places:
///
/// - ready: in its push host's FIFO, to be started when the host has room;
/// - waiting: for its retry, ordered by due time;
/// - in flight: started, not yet finished.
///
/// Bounds: at most `deliveries_max` deliveries in all three places together, at most
/// `host_in_flight_max` in flight per host and `in_flight_max` in all. Hosts with
/// ready deliveries and room take turns (round robin), so one slow or busy push
/// service never holds back another's deliveries, nor do many hosts that hang
/// (endpoints anyone may register) keep the others from their turns. A delivery with a topic
/// replaces the one of the same subscription and topic that is still ready or waiting (RFC 8030
/// §5.4), never one in flight.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rollcall/push/delivery.hpp"

namespace rollcall::push {

class SendQueue {
 public:
  /// A delivery's place while it is in the queue (reused once it left).
  using Ticket = std::uint32_t;

  struct Limits {
    std::size_t deliveries_max = 0;   ///< ready + waiting + in flight
    unsigned host_in_flight_max = 0;  ///< in flight per host
    std::size_t in_flight_max = 0;    ///< in flight, all hosts together
  };
  explicit SendQueue(Limits limits);

  enum class Admission : std::uint8_t { Accepted, Replaced, Full };
  struct Admitted {
    Admission admission = Admission::Accepted;
    Delivery replaced;  ///< when Replaced: the delivery that lost its place
  };
  /// Takes `d`, which expires at `expires_ms`, unless `deliveries_max` are queued
  /// (Full). With a topic it replaces the ready or waiting delivery of the same
  /// subscription and topic: `d` takes that one's place (position in its host's
  /// FIFO, or retry time, and its count of attempts: the backoff is the push
  /// service's, not the message's), and the old delivery is handed back.
  Admitted admit(Delivery d, std::int64_t expires_ms);

  /// The next delivery to start, now in flight (its attempt counted): the head of
  /// the next host's FIFO in turn that has room; nullopt if no host has both, or
  /// `in_flight_max` are in flight.
  std::optional<Ticket> start_next();

  const Delivery& delivery(Ticket t) const { return entry(t).delivery; }
  std::int64_t expires_ms(Ticket t) const { return entry(t).expires_ms; }
  /// Attempts started, the one in flight included.
  unsigned attempts(Ticket t) const { return entry(t).attempts; }

  /// In-flight delivery `t` is done: it leaves the queue and is handed back.
  Delivery finish(Ticket t);

  /// In-flight delivery `t` failed and is retried at `due_ms`; unless a newer
  /// delivery of its subscription and topic was admitted while it was in flight:
  /// then it leaves the queue and is handed back (replaced).
  std::optional<Delivery> wait_for_retry(Ticket t, std::int64_t due_ms);

  /// Moves every waiting delivery due by `now_ms` to the tail of its host's FIFO,
  /// in due order.
  void promote_due(std::int64_t now_ms);
  /// The earliest retry due, if any delivery waits.
  std::optional<std::int64_t> next_due_ms() const;
  /// Removes every ready or waiting delivery that expired by `now_ms` (in flight
  /// ones are judged when they come back) and appends it to `out`.
  void take_expired(std::int64_t now_ms, std::vector<Delivery>& out);

  std::size_t size() const { return size_; }            ///< never above `deliveries_max`
  std::size_t in_flight() const { return in_flight_; }  ///< never above `in_flight_max`
  std::size_t waiting() const { return waiting_.size(); }
  /// Deliveries of `host` in flight (never above `host_in_flight_max`).
  unsigned host_in_flight(std::string_view host) const;

 private:
  enum class State : std::uint8_t { Free, Ready, Waiting, InFlight };
  struct Entry {
    Delivery delivery;
    std::int64_t expires_ms = 0;
    std::int64_t due_ms = 0;  ///< when Waiting
    unsigned attempts = 0;
    State state = State::Free;
  };
  struct Host {
    std::string name;
    std::deque<Ticket> ready;  ///< FIFO; the host is in `rotation_` iff not empty
    unsigned in_flight = 0;
  };

  const Entry& entry(Ticket t) const;
  Entry& entry(Ticket t);
  Ticket allocate();
  Delivery release(Ticket t);  ///< frees the place, hands the delivery back
  Host& host(const std::string& name);
  void push_ready(Ticket t);
  void forget_key(Ticket t);
  void drop_idle_host(Host& h);
  void drop_expired_ready(std::int64_t now_ms, std::vector<Delivery>& out);
  static std::string key_of(const Delivery& d);

  Limits limits_;
  std::deque<Entry> entries_;  ///< by ticket; a deque, so entries never move
  std::vector<Ticket> free_;
  std::size_t size_ = 0;
  std::size_t in_flight_ = 0;
  std::unordered_map<std::string, Host> hosts_;        ///< hosts with ready or in-flight work
  std::deque<Host*> rotation_;                         ///< hosts with ready deliveries, in turn
  std::set<std::pair<std::int64_t, Ticket>> waiting_;  ///< (due_ms, ticket)
  std::unordered_map<std::string, Ticket> newest_;     ///< subscription + topic -> newest
};

}  // namespace rollcall::push

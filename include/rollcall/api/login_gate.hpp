#pragma once
/// Sign-in admission on an accepting shard: how many of its logins may wait for the
/// auth shard at once, in all, per client address and per username. A login over a
/// limit is answered at once (`503 overloaded`, `Retry-After`), before it costs the
/// auth shard anything. An admitted login holds a ticket until its answer came back
/// (or its connection was found gone).
///
/// Tickets also tell the auth shard which clients hung up: each turn the accepting
/// shard `sweep`s its tickets and marks those whose connection closed; the auth
/// shard reads the mark (`gone`, an atomic: the only state shared between the two
/// threads) and drops such jobs before spending Argon2id on them.
///
/// Memory is fixed at construction: `in_flight_max` tickets, and counts for at
/// most that many addresses and usernames.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/net/connection.hpp"

namespace rollcall::api {

struct LoginLimits {
  /// Logins of one accepting shard waiting for the auth shard.
  std::uint32_t in_flight_max = 64;
  /// Of those, from one client address (the fair share: the auth shard serves
  /// addresses round-robin, so this bounds how long one address delays another).
  std::uint32_t per_address_max = 4;
  /// Of those, for one username.
  std::uint32_t per_username_max = 2;
};

class LoginGate {
 public:
  enum class Refusal : std::uint8_t { None, QueueFull, AddressBusy, UsernameBusy };

  /// An admitted login's place. Valid until `release`.
  struct Ticket {
    std::uint32_t slot = 0xFFFFFFFFu;
  };

  explicit LoginGate(const LoginLimits& limits);
  LoginGate(const LoginGate&) = delete;
  LoginGate& operator=(const LoginGate&) = delete;

  /// Admits a login from `address` for `username` on `connection`, or says which
  /// limit refuses it (`ticket` untouched then).
  Refusal admit(std::string_view address, std::string_view username,
                net::ConnectionHandle connection, Ticket& ticket);
  /// The login's answer came back (or was dropped): frees its place. Once per ticket.
  void release(Ticket ticket);
  /// Marks the tickets whose connection is no longer open in `connections` (this
  /// shard's). Returns how many it newly marked. O(in flight); nothing when idle.
  std::uint32_t sweep(net::ConnectionTable& connections);

  /// The mark `sweep` sets, readable from any thread while the ticket is held.
  const std::atomic<bool>& gone_flag(Ticket ticket) const;
  /// The client address the ticket was admitted for.
  const std::string& address_of(Ticket ticket) const;

  std::uint32_t in_flight() const { return in_flight_; }
  const LoginLimits& limits() const { return limits_; }

 private:
  struct Slot {
    std::atomic<bool> gone{false};
    bool used = false;
    net::ConnectionHandle connection;
    std::string address;
    std::string username;
  };
  using Counts = std::unordered_map<std::string, std::uint32_t, auth::KeyedHash, std::equal_to<>>;

  static std::uint32_t count_of(const Counts& counts, std::string_view key);
  static void decrement(Counts& counts, const std::string& key);

  LoginLimits limits_;
  std::unique_ptr<Slot[]> slots_;  ///< never reallocated: the auth shard reads `gone`
  std::vector<std::uint32_t> free_;
  std::uint32_t in_flight_ = 0;
  Counts per_address_;
  Counts per_username_;
};

}  // namespace rollcall::api

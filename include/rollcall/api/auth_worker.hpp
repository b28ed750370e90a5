#pragma once
/// The auxiliary auth shard's work: Argon2id password checks for logins (~70-140 ms
/// each, one at a time on its own thread). Logins arrive through the mailbox from
/// the accepting shards, already admitted there (api/login_gate.hpp), and wait in a
/// fair queue: one login per client address in turn (auth/fair_queue.hpp), so an
/// address that floods delays another address's login by at most one check per
/// other waiting address, not by its whole backlog. One check runs per loop turn,
/// so the mailbox is read between checks: jobs whose client hung up meanwhile are
/// dropped before they cost anything (`client_gone`).

#include <cstddef>
#include <cstdint>

#include "rollcall/api/login_metrics.hpp"
#include "rollcall/api/services.hpp"
#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/auth/fair_queue.hpp"
#include "rollcall/shard/call.hpp"
#include "rollcall/shard/shard.hpp"

namespace rollcall::api {

/// Failed logins: 5 per username per 10 minutes, at most 100,000 usernames held.
inline constexpr std::uint32_t kFailedLoginsMax = 5;
inline constexpr std::int64_t kFailedLoginsWindowMs = 10 * 60 * 1000;
inline constexpr std::size_t kFailedLoginKeysMax = 100'000;

struct LoginJob;

class AuthWorker {
 public:
  /// `queue_max` and `per_address_max` bound the fair queue (the accepting shards'
  /// gates together never exceed them: a refusal here is a safety net, answered 503).
  AuthWorker(shard::Shard& shard, const Services& services, std::size_t queue_max,
             std::size_t per_address_max);
  AuthWorker(const AuthWorker&) = delete;
  AuthWorker& operator=(const AuthWorker&) = delete;

  shard::Shard& shard() { return shard_; }
  const Services& services() const { return services_; }
  auth::AttemptLimiter& failed_logins() { return failed_logins_; }
  LoginMetrics& metrics() { return metrics_; }

  /// On the auth shard: a login arrived; it waits for its turn.
  void enqueue(shard::Reply<LoginJob> reply);
  /// The auth shard's poller: drops the logins of clients that hung up, then
  /// verifies the next one. True while more wait (the loop must not sleep).
  bool serve_one();
  std::size_t waiting() const { return queue_.size(); }

 private:
  shard::Shard& shard_;
  const Services& services_;
  auth::AttemptLimiter failed_logins_{kFailedLoginsMax, kFailedLoginsWindowMs, kFailedLoginKeysMax};
  auth::FairQueue<shard::Reply<LoginJob>> queue_;
  LoginMetrics metrics_;
};

}  // namespace rollcall::api

#pragma once
/// What sign-in admission counts (api/login.cpp, api/auth_worker.cpp): one group in
/// each data shard's `ShardApi` (refusals at admission) and one in the auth shard's
/// `AuthWorker` (hung-up clients, Argon2id runs, the queue); /metrics sums them.

#include <string_view>

#include "rollcall/metrics/metrics.hpp"

namespace rollcall::api {

struct alignas(64) LoginMetrics {
  /// Logins answered without an Argon2id check, by why (LoginRejection's order).
  metrics::Counter rejected[4];
  metrics::Counter verifications;  ///< Argon2id checks run (auth shard)
  metrics::Gauge queue_depth;      ///< logins waiting on the auth shard (auth shard)

  void describe(metrics::Sink& s) const {
    static constexpr std::string_view kReasons[] = {"queue_full", "address_busy", "username_busy",
                                                    "client_gone"};
    metrics::Family by_reason = s.family(
        "rollcall_login_rejected_total",
        "Logins answered without a password check: 503 because too many wait (queue_full), or "
        "too many from one client address (address_busy) or for one username (username_busy); "
        "or dropped unanswered because the client hung up (client_gone).");
    for (int k = 0; k < 4; ++k) by_reason.add(rejected[k], {"reason", kReasons[k]});
    s.family("rollcall_login_verifications_total", "Argon2id password checks run for logins.")
        .add(verifications);
    s.family("rollcall_login_queue_depth", "Logins waiting for the auth shard's password check.")
        .add(queue_depth);
  }
};

/// Index into `LoginMetrics::rejected`.
enum class LoginRejection : unsigned char { QueueFull, AddressBusy, UsernameBusy, ClientGone };

inline void count(LoginMetrics& m, LoginRejection why) {
  m.rejected[static_cast<unsigned>(why)].inc();
}

}  // namespace rollcall::api
